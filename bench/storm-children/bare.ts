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

function reply(op: number, body: string | Buffer, seq: number): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  const out = Buffer.allocUnsafe(16 + b.length);
  out.writeInt32BE(16 + b.length, 0);
  out.writeInt16BE(16, 4);
  out.writeInt16BE(1, 6);
  out.writeInt32BE(op, 8);
  out.writeInt32BE(seq, 12);
  b.copy(out, 16);
  return out;
}

const HEARTBEAT_REPLY_BODY = Buffer.alloc(4); // int32 0: no room count kept here

const server = createServer({ noDelay: true }, (s) => {
  sockets.add(s);
  s.on('error', () => undefined);
  s.on('close', () => sockets.delete(s));
  s.on('data', (chunk: Buffer) => {
    // Small packets written whole by the load processes: Auth (op 7), then a Heartbeat (op 2).
    for (let off = 0; chunk.length - off >= 16; off += chunk.readInt32BE(off)) {
      const op = chunk.readInt32BE(off + 8);
      const seq = chunk.readInt32BE(off + 12);
      if (op === 2) s.write(reply(3, HEARTBEAT_REPLY_BODY, seq));
      if (op !== 7) continue;
      const body = JSON.parse(chunk.toString('utf8', off + 16, off + chunk.readInt32BE(off))) as { token?: string };
      verifier.verify(body.token).then(
        ({ uid }) => s.write(reply(8, JSON.stringify({ uid, key: uid, heartbeat: 240 }), seq)),
        () => s.end(reply(6, JSON.stringify({ code: 'UNAUTHORIZED', message: 'bad token', reconnect: false }), seq)),
      );
    }
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
