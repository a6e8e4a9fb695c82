// CommonJS users: require() both entries; without a WebSocket, connect() rejects with CONFIGURATION.
const { EdgeImClient, wsApiTransport } = require('@edgeim/sdk');
const { goimTcpTransport } = require('@edgeim/sdk/tcp');

const client = new EdgeImClient({ transport: wsApiTransport({ url: 'ws://127.0.0.1:9' }), token: 'x.e30.x' });
client.connect().then(
  () => console.log(JSON.stringify({ cjs: 'connected' })),
  (err) => console.log(JSON.stringify({ cjs: err.code, tcp: typeof goimTcpTransport })),
);
