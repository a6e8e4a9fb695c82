import { goimWsTransport } from '../../sdk/index.js';
import { NodeWebSocket } from './sdk-helpers.js';
import { destroyGatewaySockets, shutDownGatewayConnections, transportSuite } from './transport-suite.js';

transportSuite({
  name: 'goim WebSocket',
  make: (stack) => (stack.gateway ? goimWsTransport({ url: stack.gateway.wsUrl, WebSocket: NodeWebSocket, platform: 'node' }) : undefined),
  kills: { 'a SERVER_SHUTDOWN DisconnectReply': shutDownGatewayConnections, 'a killed gateway socket': destroyGatewaySockets },
});
