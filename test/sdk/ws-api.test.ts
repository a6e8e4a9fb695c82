import { wsApiTransport } from '../../sdk/index.js';
import { NodeWebSocket } from './sdk-helpers.js';
import { deleteConnections, dropApiConnections, transportSuite } from './transport-suite.js';

transportSuite({
  name: 'the WebSocket API',
  make: (stack) => wsApiTransport({ url: stack.wsUrl, WebSocket: NodeWebSocket, platform: 'node' }),
  kills: { 'DELETE @connections': deleteConnections, 'a dropped socket': dropApiConnections },
});
