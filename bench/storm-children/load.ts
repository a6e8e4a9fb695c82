/**
 * A load process of the storm benchmark (several run side by side, so the load generator
 * is not the bottleneck). Opens goim TCP clients and WebSocket-API clients at an even
 * pace over `spreadMs`, each sending its goim Auth (a local token) as soon as it is
 * connected, and records what happened to every one of them: authenticated (and how long
 * it took from the start of its TCP connect), or the failure (DisconnectReply code,
 * reset, timeout, HTTP status). A client told OVERLOADED (reconnect: true) comes back
 * after `retryAfterMs` plus jitter, as the protocol asks; retries are counted apart.
 * Then, on request, every authenticated client sends one message and reports the reply
 * code.
 *
 * IPC in: {cmd: 'storm', ...StormOrder} → {storm: StormReport}
 *         {cmd: 'send'} → {sent: {ok, codes}}; {cmd: 'stop'}.
 */
import { connect as netConnect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { LOCAL_JWT_SECRET } from '../../shared/config.js';
import { signToken } from '../../shared/domain/auth.js';
import { encodePacket, MIN_BUSINESS_OP, Op } from '../../shared/protocol/goim/index.js';

export interface StormOrder {
  /** goim TCP clients: uids `${prefix}${offset + i}`. */
  tcp?: { port: number; n: number; offset: number; prefix: string; room?: string };
  /** WebSocket-API clients (`?token=`). */
  ws?: { url: string; n: number; offset: number; prefix: string };
  /** Connects are spread evenly over this many ms. */
  spreadMs: number;
  /** A client not in after this long counts as TIMEOUT. */
  deadlineMs: number;
}

export interface KindReport {
  ok: number;
  /** Auth latency of every client that got in, ms from the start of its (last) connect. */
  latencies: number[];
  /** Time from the storm's start until each client was in, ms. */
  doneAt: number[];
  failures: Record<string, number>;
  /** OVERLOADED answers that were retried (not failures). */
  retries: number;
  /** goim clients heartbeat right after AuthReply (as goim's own benchmark client does): ms until each HeartbeatReply. */
  heartbeats: number[];
}

const send = (m: unknown) => process.send?.(m);
const packet = (op: number, body: string, seq: number): Buffer => encodePacket({ ver: 1, op, seq, body: Buffer.from(body) });

interface Open {
  uid: string;
  sendOne(): Promise<string>;
}
/** One error message per send failure code (to print beside the counts). */
const sendSamples: Record<string, string> = {};
const open: Open[] = [];
const sockets = new Set<{ destroy(): void }>();

/** One goim TCP client: resolves 'ok' once authenticated, or a failure code. */
function goimClient(port: number, uid: string, token: string, room: string | undefined, started: number, deadline: number, report: KindReport): Promise<void> {
  return new Promise((resolve) => {
    const attempt = () => {
      const t0 = performance.now();
      const s: Socket = netConnect({ port, host: '127.0.0.1', noDelay: true });
      sockets.add(s);
      let pending: Buffer | null = null;
      let state: 'auth' | 'open' | 'done' = 'auth';
      let disconnect: { code?: string; retryAfterMs?: number; reconnect?: boolean } | undefined;
      let replyWaiter: ((code: string) => void) | null = null;
      let heartbeatAt = 0;
      const finish = (code: string) => {
        if (state !== 'auth') return;
        state = 'done';
        if (code === 'ok') {
          state = 'open';
          report.ok++;
          report.latencies.push(performance.now() - t0);
          report.doneAt.push(performance.now() - started);
          heartbeatAt = performance.now();
          s.write(packet(Op.Heartbeat, '', 2));
          open.push({
            uid,
            sendOne: () =>
              new Promise((r) => {
                replyWaiter = r;
                s.write(packet(Op.SendMsg, JSON.stringify({ to: { user: uid }, cmid: 'storm-1', body: 'first send after the storm' }), 3));
              }),
          });
          return resolve();
        }
        s.destroy();
        sockets.delete(s);
        if (code === 'OVERLOADED' && disconnect?.reconnect && performance.now() < deadline) {
          report.retries++;
          const wait = (disconnect.retryAfterMs ?? 1000) * (1 + Math.random());
          setTimeout(attempt, wait);
          return;
        }
        report.failures[code] = (report.failures[code] ?? 0) + 1;
        resolve();
      };
      const timer = setTimeout(() => finish('TIMEOUT'), Math.max(0, deadline - performance.now()));
      s.on('connect', () => s.write(packet(Op.Auth, JSON.stringify({ token, key: uid, platform: 'bench', accepts: [MIN_BUSINESS_OP], ...(room ? { room_id: room } : {}) }), 1)));
      s.on('data', (chunk: Buffer) => {
        let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
        let off = 0;
        while (buf.length - off >= 16) {
          const len = buf.readInt32BE(off);
          if (buf.length - off < len) break;
          const op = buf.readInt32BE(off + 8);
          const body = buf.toString('utf8', off + 16, off + len);
          if (op === Op.AuthReply) {
            clearTimeout(timer);
            finish('ok');
          } else if (op === Op.HeartbeatReply && heartbeatAt > 0) {
            report.heartbeats.push(performance.now() - heartbeatAt);
            heartbeatAt = 0;
          } else if (op === Op.DisconnectReply) {
            try {
              disconnect = JSON.parse(body);
            } catch {
              disconnect = { code: 'BAD_DISCONNECT_REPLY' };
            }
          } else if (op === Op.SendMsgReply && replyWaiter) {
            let code = 'BAD_REPLY';
            try {
              const frame = JSON.parse(body) as { ok: boolean; error?: { code: string; message?: string } };
              code = frame.ok ? 'ok' : (frame.error?.code ?? 'BAD_REPLY');
              if (!frame.ok) sendSamples[code] ??= frame.error?.message ?? '';
            } catch {
              // not JSON
            }
            replyWaiter(code);
            replyWaiter = null;
          }
          off += len;
        }
        pending = off < buf.length ? Buffer.from(buf.subarray(off)) : null;
      });
      s.on('error', (err: NodeJS.ErrnoException) => {
        if (state === 'auth' && !disconnect) disconnect = { code: err.code === 'ECONNRESET' ? 'RESET' : (err.code ?? 'ERROR') };
      });
      s.on('close', () => {
        clearTimeout(timer);
        if (state === 'auth') finish(disconnect?.code ?? 'CLOSED');
        replyWaiter?.('CLOSED');
        replyWaiter = null;
        sockets.delete(s);
      });
    };
    attempt();
  });
}

/** One WebSocket-API client: in once the upgrade (authorizer + $connect) succeeds. */
function wsClient(url: string, uid: string, token: string, started: number, deadline: number, report: KindReport): Promise<void> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const ws = new WebSocket(`${url}/?token=${token}&device=${uid}`, { perMessageDeflate: false });
    sockets.add({ destroy: () => ws.terminate() });
    let settled = false;
    let replyWaiter: ((code: string) => void) | null = null;
    const finish = (code: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (code === 'ok') {
        report.ok++;
        report.latencies.push(performance.now() - t0);
        report.doneAt.push(performance.now() - started);
        open.push({
          uid,
          sendOne: () =>
            new Promise((r) => {
              replyWaiter = r;
              ws.send(JSON.stringify({ action: 'send', id: 's1', to: { user: uid }, cmid: 'storm-1', body: 'first send after the storm' }));
            }),
        });
      } else {
        report.failures[code] = (report.failures[code] ?? 0) + 1;
        ws.terminate();
      }
      resolve();
    };
    const timer = setTimeout(() => finish('TIMEOUT'), Math.max(0, deadline - performance.now()));
    ws.on('open', () => finish('ok'));
    ws.on('unexpected-response', (_req, res) => finish(`HTTP_${res.statusCode}`));
    ws.on('error', (err: NodeJS.ErrnoException) => finish(err.code === 'ECONNRESET' ? 'RESET' : (err.code ?? 'ERROR')));
    ws.on('close', () => {
      finish('CLOSED');
      replyWaiter?.('CLOSED');
      replyWaiter = null;
    });
    ws.on('message', (data) => {
      if (!replyWaiter) return;
      try {
        const frame = JSON.parse(String(data)) as { type: string; id?: string; ok?: boolean; error?: { code: string; message?: string }; message?: string };
        if (frame.type === 'reply' && frame.id === 's1') {
          if (!frame.ok) sendSamples[frame.error?.code ?? 'BAD_REPLY'] ??= frame.error?.message ?? '';
          replyWaiter(frame.ok ? 'ok' : (frame.error?.code ?? 'BAD_REPLY'));
          replyWaiter = null;
        } else if (frame.message === 'Internal server error') {
          replyWaiter('INTERNAL');
          replyWaiter = null;
        }
      } catch {
        // not JSON
      }
    });
  });
}

const newReport = (): KindReport => ({ ok: 0, latencies: [], doneAt: [], failures: {}, retries: 0, heartbeats: [] });

async function storm(order: StormOrder): Promise<{ tcp: KindReport; ws: KindReport; cpuMs: number }> {
  const tcp = newReport();
  const ws = newReport();
  const jobs: (() => Promise<void>)[] = [];
  const tokens = async (n: number, offset: number, prefix: string) =>
    Promise.all(Array.from({ length: n }, (_, i) => signToken(`${prefix}${offset + i}`, LOCAL_JWT_SECRET, 3600)));
  const tcpTokens = order.tcp ? await tokens(order.tcp.n, order.tcp.offset, order.tcp.prefix) : [];
  const wsTokens = order.ws ? await tokens(order.ws.n, order.ws.offset, order.ws.prefix) : [];
  const started = performance.now();
  const cpu = process.cpuUsage();
  const deadline = started + order.deadlineMs;
  if (order.tcp) {
    const t = order.tcp;
    for (let i = 0; i < t.n; i++) jobs.push(() => goimClient(t.port, `${t.prefix}${t.offset + i}`, tcpTokens[i]!, t.room, started, deadline, tcp));
  }
  if (order.ws) {
    const w = order.ws;
    for (let i = 0; i < w.n; i++) jobs.push(() => wsClient(w.url, `${w.prefix}${w.offset + i}`, wsTokens[i]!, started, deadline, ws));
  }
  // Interleave the kinds and start them at an even pace over spreadMs (10 ms ticks).
  const order2 = interleave(jobs, order.tcp?.n ?? 0);
  const running: Promise<void>[] = [];
  const ticks = Math.max(1, Math.floor(order.spreadMs / 10));
  for (let tick = 0; tick < ticks; tick++) {
    const from = Math.floor((tick * order2.length) / ticks);
    const to = Math.floor(((tick + 1) * order2.length) / ticks);
    for (let i = from; i < to; i++) running.push(order2[i]!());
    const due = started + (tick + 1) * 10;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
  }
  await Promise.all(running);
  // The heartbeat that follows each AuthReply: wait for its reply too (up to 30 s).
  for (const until = performance.now() + 30_000; tcp.heartbeats.length < tcp.ok && performance.now() < until; ) await new Promise((r) => setTimeout(r, 20));
  const used = process.cpuUsage(cpu);
  return { tcp, ws, cpuMs: (used.user + used.system) / 1000 };
}

/** tcp jobs first in `jobs`, then ws: alternate them. */
function interleave<T>(jobs: T[], nTcp: number): T[] {
  const a = jobs.slice(0, nTcp);
  const b = jobs.slice(nTcp);
  const out: T[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length) out.push(a[i]!);
    if (i < b.length) out.push(b[i]!);
  }
  return out;
}

process.on('message', (m: { cmd: string } & StormOrder) => {
  if (m.cmd === 'storm') {
    void storm(m).then((r) => send({ storm: r }));
  } else if (m.cmd === 'send') {
    const started = performance.now();
    void Promise.all(open.map((c) => c.sendOne())).then((codes) => {
      const counts: Record<string, number> = {};
      for (const c of codes) counts[c] = (counts[c] ?? 0) + 1;
      send({ sent: { codes: counts, samples: sendSamples, ms: performance.now() - started } });
    });
  } else if (m.cmd === 'stop') {
    for (const s of sockets) s.destroy();
    process.exit(0);
  }
});
send({ ready: true });
