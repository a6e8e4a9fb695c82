import { goimTcpTransport } from '../../sdk/tcp.js';
import { destroyGatewaySockets, shutDownGatewayConnections, transportSuite } from './transport-suite.js';

transportSuite({
  name: 'goim TCP',
  make: (stack) => (stack.gateway ? goimTcpTransport({ host: '127.0.0.1', port: stack.gateway.ports.tcp, platform: 'node' }) : undefined),
  kills: { 'a SERVER_SHUTDOWN DisconnectReply': shutDownGatewayConnections, 'a killed gateway socket': destroyGatewaySockets },
});
