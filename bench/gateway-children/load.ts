/**
 * The load process of the gateway benchmarks (a separate process from every server):
 * opens connections, optionally authenticates them (goim Auth with a local token, and a
 * room), holds them idle, and counts business-op packets (op >= 1000) whose body starts
 * with the send time (epoch ms, `performance.timeOrigin + now()`), for latency.
 *
 * IPC in: {cmd: 'open', port, n, auth, room?} → {opened, ms};
 *         {cmd: 'expect', total, timeoutMs} → {received, firstMs, lastMs, latencies (sample)}.
 */
import { connect, type Socket } from 'node:net';
import { LOCAL_JWT_SECRET } from '../../shared/config.js';
import { signToken } from '../../shared/domain/auth.js';
import { encodePacket, MIN_BUSINESS_OP, Op } from '../../shared/protocol/goim/index.js';

const send = (m: unknown) => process.send?.(m);
const sockets: Socket[] = [];
let received = 0;
let lastAt = 0;
let firstAt = 0;
const latencies: number[] = [];
let waiter: { total: number; resolve: () => void } | null = null;

/** Minimal stream parser: counts business ops, samples latency on every 50th socket. */
function attach(s: Socket, index: number, onAuth: () => void): void {
  let pending: Buffer | null = null;
  let authed = false;
  const sample = index % 50 === 0;
  s.on('data', (chunk: Buffer) => {
    let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    let off = 0;
    const now = performance.timeOrigin + performance.now();
    while (buf.length - off >= 16) {
      const len = buf.readInt32BE(off);
      if (buf.length - off < len) break;
      const op = buf.readInt32BE(off + 8);
      if (op >= MIN_BUSINESS_OP) {
        received++;
        if (firstAt === 0) firstAt = now;
        lastAt = now;
        if (sample) latencies.push(now - Number(buf.toString('latin1', off + 16, off + 16 + 17).trim()));
      } else if (op === Op.AuthReply && !authed) {
        authed = true;
        onAuth();
      }
      off += len;
    }
    pending = off < buf.length ? Buffer.from(buf.subarray(off)) : null;
    if (waiter && received >= waiter.total) {
      waiter.resolve();
      waiter = null;
    }
  });
  s.on('error', () => undefined);
}

async function open(port: number, n: number, auth: boolean, room?: string): Promise<void> {
  const token = auth ? await signToken('bench', LOCAL_JWT_SECRET) : '';
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await new Promise<void>((resolve, reject) => {
        const s = connect({ port, host: '127.0.0.1', noDelay: true });
        sockets.push(s);
        s.once('error', reject);
        if (!auth) {
          attach(s, i, () => undefined);
          s.once('connect', () => resolve());
          return;
        }
        attach(s, i, resolve);
        s.once('connect', () => {
          const body = JSON.stringify({ token, key: `k${i}`, accepts: [MIN_BUSINESS_OP], ...(room ? { room_id: room } : {}) });
          s.write(encodePacket({ ver: 1, op: Op.Auth, seq: 1, body: Buffer.from(body) }));
        });
      });
    }
  };
  await Promise.all(Array.from({ length: auth ? 64 : 256 }, worker));
}

process.on('message', (m: { cmd: string; port: number; n: number; auth: boolean; room?: string; total: number; timeoutMs: number }) => {
  if (m.cmd === 'open') {
    const started = performance.now();
    open(m.port, m.n, m.auth, m.room).then(
      () => send({ opened: sockets.length, ms: performance.now() - started }),
      (err: unknown) => send({ error: String(err), opened: sockets.length }),
    );
  } else if (m.cmd === 'expect') {
    received = 0;
    firstAt = 0;
    lastAt = 0;
    latencies.length = 0;
    const done = () => send({ received, firstAt, lastAt, latencies });
    if (m.total <= 0) return done();
    const timer = setTimeout(() => {
      waiter = null;
      done();
    }, m.timeoutMs);
    waiter = { total: m.total, resolve: () => (clearTimeout(timer), done()) };
    send({ armed: true });
  } else if (m.cmd === 'stop') {
    for (const s of sockets) s.destroy();
    process.exit(0);
  }
});
send({ ready: true });
