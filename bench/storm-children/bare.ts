/**
 * The floor of the storm benchmark: a bare `net` server that accepts goim connections,
 * verifies the JWT of each Auth packet with the same verifier the gateway uses, and
 * answers AuthReply. No sessions, no rooms, no store: what a connect costs at least.
 */
import { createServer, type Socket } from 'node:net';
import { LOCAL_JWT_SECRET } from '../../shared/config.js';
import { createTokenVerifier } from '../../shared/domain/auth.js';
import { encodePacket, Op } from '../../shared/protocol/goim/index.js';
import { serveUsage, usage } from './usage.js';

const verifier = createTokenVerifier({ secret: LOCAL_JWT_SECRET });
const sockets = new Set<Socket>();

const reply = (op: number, body: string | Buffer, seq: number): Buffer => encodePacket({ ver: 1, op, seq, body: typeof body === 'string' ? Buffer.from(body) : body });

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
      if (op === Op.Heartbeat) s.write(reply(Op.HeartbeatReply, HEARTBEAT_REPLY_BODY, seq));
      if (op !== Op.Auth) continue;
      const body = JSON.parse(chunk.toString('utf8', off + 16, off + chunk.readInt32BE(off))) as { token?: string };
      verifier.verify(body.token).then(
        ({ uid }) => s.write(reply(Op.AuthReply, JSON.stringify({ uid, key: uid, heartbeat: 240 }), seq)),
        () => s.end(reply(Op.DisconnectReply, JSON.stringify({ code: 'UNAUTHORIZED', message: 'bad token', reconnect: false }), seq)),
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
