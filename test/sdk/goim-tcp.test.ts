import { goimTcpTransport } from '../../sdk/tcp.js';
import { deleteConnections, destroyGatewaySockets, transportSuite } from './transport-suite.js';

transportSuite({
  name: 'goim TCP',
  make: (stack) => (stack.gateway ? goimTcpTransport({ host: '127.0.0.1', port: stack.gateway.ports.tcp, platform: 'node' }) : undefined),
  kills: { 'DELETE @connections': deleteConnections, 'a killed gateway socket': destroyGatewaySockets },
});
