import { goimWsTransport } from '../../sdk/index.js';
import { NodeWebSocket } from './sdk-helpers.js';
import { deleteConnections, destroyGatewaySockets, transportSuite } from './transport-suite.js';

transportSuite({
  name: 'goim WebSocket',
  make: (stack) => (stack.gateway ? goimWsTransport({ url: stack.gateway.wsUrl, WebSocket: NodeWebSocket, platform: 'node' }) : undefined),
  kills: { 'DELETE @connections': deleteConnections, 'a killed gateway socket': destroyGatewaySockets },
});
