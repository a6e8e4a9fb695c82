/**
 * The floor of the storm benchmark: a bare `net` server that accepts goim connections,
 * verifies the JWT of each Auth packet with the same verifier the gateway uses, and
 * answers AuthReply. No sessions, no rooms, no store: what a connect costs at least.
 */
import { createServer, type Socket } from 'node:net';
import { LOCAL_JWT_SECRET } from '../../shared/config.js';
import { createTokenVerifier } from '../../shared/domain/auth.js';
import { serveUsage, usage } from './usage.js';

const verifier = createTokenVerifier({ secret: LOCAL_JWT_SECRET });
const sockets = new Set<Socket>();

function reply(op: number, body: string, seq: number): Buffer {
  const b = Buffer.from(body);
  const out = Buffer.allocUnsafe(16 + b.length);
  out.writeInt32BE(16 + b.length, 0);
  out.writeInt16BE(16, 4);
  out.writeInt16BE(1, 6);
  out.writeInt32BE(op, 8);
  out.writeInt32BE(seq, 12);
  b.copy(out, 16);
  return out;
}

const server = createServer({ noDelay: true }, (s) => {
  sockets.add(s);
  s.on('error', () => undefined);
  s.on('close', () => sockets.delete(s));
  s.once('data', (chunk: Buffer) => {
    // One Auth packet per connection, read whole from the first chunk (the client writes it in one go).
    const seq = chunk.readInt32BE(12);
    const body = JSON.parse(chunk.toString('utf8', 16, chunk.readInt32BE(0))) as { token?: string };
    verifier.verify(body.token).then(
      ({ uid }) => s.write(reply(8, JSON.stringify({ uid, key: uid, heartbeat: 240 }), seq)),
      () => s.end(reply(6, JSON.stringify({ code: 'UNAUTHORIZED', message: 'bad token', reconnect: false }), seq)),
    );
  });
});
server.listen(0, '127.0.0.1', () => {
  process.send?.({ ready: true, ports: { tcp: (server.address() as { port: number }).port }, usage: usage(true) });
});
serveUsage(
  () => {
    for (const s of sockets) s.destroy();
  },
  () => ({ connections: sockets.size }),
);
