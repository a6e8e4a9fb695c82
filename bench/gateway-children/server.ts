/**
 * A server process for the gateway benchmarks, driven over IPC by the bench script.
 * Mode `gateway`: the real gateway (startGateway) on an app built from the environment,
 * sessions in memory (argv[3] = `dynamo` for the configured DynamoDB instead).
 * Mode `bare`: a bare `net` server that only holds connections and, on request, writes
 * a broadcast to all of them: the baseline measured beside the gateway in the same run.
 *
 * IPC in: {cmd: 'mem'} → {mem: {rss, heapUsed}} after a full GC (run with --expose-gc);
 *         {cmd: 'broadcast', count, perWrite, bodyBytes} (bare only) → {done}.
 */
import { createServer, type Socket } from 'node:net';
import { HEADER_SIZE, writeHeader } from '../../shared/protocol/goim/index.js';

const mode = process.argv[2];
const send = (m: unknown) => process.send?.(m);
const gc = (globalThis as { gc?: () => void }).gc;

function mem() {
  for (let i = 0; i < 3; i++) gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}

if (mode === 'gateway') {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { loadConfig } = await import('../../shared/config.js');
  const { createApp } = await import('../../shared/app.js');
  const { startGateway } = await import('../../gateway/server.js');
  const { Logger } = await import('@aws-lambda-powertools/logger');
  const { MemorySessionStore } = await import('../../shared/memory/memory-session-store.js');
  // Sessions in memory (so the figures measure the gateway, not the DynamoDB emulator) unless the bench asks for the configured DynamoDB.
  const sessions = process.argv[3] === 'dynamo' ? {} : { sessions: new MemorySessionStore() };
  const app = await createApp(loadConfig(), { logger: new Logger({ serviceName: 'edgeim', logLevel: 'ERROR' }), ...sessions });
  const gw = await startGateway(app, {
    host: '127.0.0.1',
    tcpPort: 0,
    wsPort: 0,
    httpPort: 0,
  });
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'mem') send({ mem: mem(), connections: gw.gateway.connections.counts.open });
    if (m.cmd === 'stop') void gw.close().then(() => process.exit(0));
  });
  send({ ready: true, ports: gw.ports, endpoint: gw.endpoint, mem: mem() });
} else {
  const sockets: Socket[] = [];
  const server = createServer({ noDelay: true }, (s) => {
    sockets.push(s);
    s.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1', () => {
    send({ ready: true, ports: { tcp: (server.address() as { port: number }).port }, mem: mem() });
  });
  process.on('message', (m: { cmd: string; count: number; perWrite: number; bodyBytes: number }) => {
    if (m.cmd === 'mem') send({ mem: mem(), connections: sockets.length });
    if (m.cmd === 'stop') process.exit(0);
    if (m.cmd === 'broadcast') void broadcast(m.count, m.perWrite, m.bodyBytes).then(() => send({ done: true }));
  });
  /** `count` messages to every socket, `perWrite` messages per write, one Buffer per write shared by all. */
  async function broadcast(count: number, perWrite: number, bodyBytes: number): Promise<void> {
    for (let sent = 0; sent < count; sent += perWrite) {
      const n = Math.min(perWrite, count - sent);
      const buf = Buffer.allocUnsafe(n * (HEADER_SIZE + bodyBytes));
      for (let i = 0; i < n; i++) {
        const off = i * (HEADER_SIZE + bodyBytes);
        writeHeader(buf, off, bodyBytes, 1, 1000, 0);
        buf.fill(0x20, off + HEADER_SIZE, off + HEADER_SIZE + bodyBytes);
        buf.write((performance.timeOrigin + performance.now()).toFixed(3), off + HEADER_SIZE, 'latin1');
      }
      for (const s of sockets) s.write(buf);
      await new Promise((r) => setImmediate(r));
    }
  }
}
