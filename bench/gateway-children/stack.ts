/** The local stack (with its gateway) on free ports in a child process, for gateway-rtt. */
import { startLocalStack } from '../../local/stack.js';

const stack = await startLocalStack({ wsPort: 0, pushPort: 0, dynamoPort: 0, sqsPort: 0, gatewayTcpPort: 0, gatewayWsPort: 0, gatewayHttpPort: 0, logLevel: 'ERROR' });
process.send?.({ tcp: stack.gateway.ports.tcp, wsUrl: stack.gateway.wsUrl });
process.on('message', () => void stack.close().then(() => process.exit(0)));
