/**
 * A plain Node project using the packed @edgeim/sdk as a user would: two users, one on
 * the WebSocket API (with `ws`, Node 20 has no global WebSocket) and one on goim TCP,
 * exchange a message each way. Compiled by tsc with `lib: ["es2022"]` and node types.
 */
import { EdgeImClient, EdgeImError, wsApiTransport, type TimelineMessage, type WebSocketLike } from '@edgeim/sdk';
import { goimTcpTransport } from '@edgeim/sdk/tcp';
import WebSocket from 'ws';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function next(client: EdgeImClient, from: string): Promise<TimelineMessage> {
  return new Promise((resolve) => {
    const off = client.on('message', (m) => {
      if (m.message.from !== from) return;
      off();
      resolve(m);
    });
  });
}

const [aliceUid, bobUid] = [env('ALICE_UID'), env('BOB_UID')];
const alice = new EdgeImClient({
  transport: wsApiTransport({ url: env('WS_URL'), WebSocket: WebSocket as unknown as WebSocketLike }),
  token: env('ALICE_TOKEN'),
});
const bob = new EdgeImClient({
  transport: goimTcpTransport({ host: '127.0.0.1', port: Number(env('GOIM_TCP_PORT')) }),
  token: env('BOB_TOKEN'),
});
await Promise.all([alice.connect(), bob.connect()]);

const atBob = next(bob, aliceUid);
const sent = await alice.send({ user: bobUid }, { text: 'hi bob' });
const gotByBob = await atBob;

const atAlice = next(alice, bobUid);
await bob.send({ user: aliceUid }, { text: 'hi alice' });
const gotByAlice = await atAlice;

const bare = new EdgeImClient({ transport: wsApiTransport({ url: env('WS_URL') }), token: env('ALICE_TOKEN') });
const withoutWebSocket = await bare.connect().then(
  () => 'connected',
  (err: unknown) => (err instanceof EdgeImError ? err.code : String(err)),
);

alice.close();
bob.close();
console.log(JSON.stringify({ msgId: sent.msgId, gotByBob: gotByBob.message, gotByAlice: gotByAlice.message, withoutWebSocket }));
