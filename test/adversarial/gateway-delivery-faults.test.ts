import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { goimTcpTransport } from '../../sdk/tcp.js';
import { GoimClient, OP } from '../helpers/goim-client.js';
import { useTestStack } from '../helpers/local-stack.js';
import { probe, type Probe } from '../sdk/sdk-helpers.js';

/**
 * A gateway task that is alive but briefly cannot take the job's call: its clients must
 * still get what was sent to them, and must be reachable again afterwards.
 */

/** A TCP proxy in front of a gateway's internal API that can stall (hold what clients send) like a paused process. */
class StallableProxy {
  readonly server: Server;
  private stalled = false;
  private readonly held: (() => void)[] = [];
  private readonly sockets = new Set<Socket>();
  /** Client connections that gave up (closed) while the proxy was stalled. */
  abandoned = 0;
  target = 0;

  constructor() {
    this.server = createServer((client) => {
      this.sockets.add(client);
      const upstream = netConnect({ port: this.target, host: '127.0.0.1' });
      this.sockets.add(upstream);
      upstream.pipe(client);
      client.on('data', (chunk: Buffer) => (this.stalled ? this.held.push(() => upstream.write(chunk)) : upstream.write(chunk)));
      client.on('close', () => {
        if (this.stalled) this.abandoned++;
        upstream.destroy();
      });
      upstream.on('close', () => client.destroy());
      client.on('error', () => undefined);
      upstream.on('error', () => undefined);
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as { port: number }).port)));
  }

  stall(): void {
    this.stalled = true;
  }

  resume(): void {
    this.stalled = false;
    for (const write of this.held.splice(0)) write();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

async function until(check: () => boolean | Promise<boolean>, tries = 400): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

describe('gateway delivery faults', () => {
  const t = useTestStack({ env: { EDGEIM_DELIVERY_TIMEOUT_MS: '300', EDGEIM_DELIVERY_MAX_ATTEMPTS: '1' } });
  const gateways: RunningGateway[] = [];
  const clients: GoimClient[] = [];
  const proxies: StallableProxy[] = [];
  const probes: Probe[] = [];
  afterAll(async () => {
    for (const p of probes) p.client.close();
    await Promise.all(clients.map((c) => c.close()));
    for (const g of gateways) await g.close();
    for (const p of proxies) await p.close();
  });

  it('a message to a task whose internal-API secret is being rotated (401 for a moment) still reaches its client', async () => {
    const secret = t.stack.config.EDGEIM_GATEWAY_SECRET!;
    let refusals = 1; // the task has not picked up the secret the job signs with yet
    let checks = 0;
    const gw = await startGateway(t.stack.app, {
      host: '127.0.0.1',
      tcpPort: 0,
      wsPort: 0,
      httpPort: 0,
      internalSecret: async () => (checks++ === 0 ? secret : refusals-- > 0 ? `${secret}-previous-value` : secret),
    });
    gateways.push(gw);
    const rose = await GoimClient.connect('tcp', { tcp: gw.ports.tcp, wsUrl: gw.wsUrl }, 'rot-rose');
    clients.push(rose);
    const sam = await t.connect('rot-sam');
    const { msgId } = await sam.call('send', { to: { user: 'rot-rose' }, cmid: 'rot-1', body: { text: 'hi' } });
    await t.stack.drain();
    expect(refusals).toBeLessThan(1); // the task did refuse a call
    const got = rose.log.filter((p) => p.op === OP.Message).map((p) => p.json.message.id);
    expect(got).toEqual([msgId]);
  });

  // A response timeout from a task that accepted the connection reads as "the task is dead"
  // (issue: an unreachable task is treated like 410 Gone for its sessions), although its
  // process may be alive (a GC pause, a connect storm's event-loop lag, a CPU-starved
  // Fargate task). The job fences the endpoint before removing the sessions; the task
  // finds its fence on its next sweep and closes the connections opened before it with
  // RESYNC, so their clients reconnect with fresh sessions and sync what they missed.
  it('a task that stalls past the delivery timeout closes its client (RESYNC); the SDK reconnects, syncs, and has the message exactly once', { timeout: 30_000 }, async () => {
    const proxy = new StallableProxy();
    proxies.push(proxy);
    const proxyPort = await proxy.listen();
    const endpoint = `http://127.0.0.1:${proxyPort}`;
    // heartbeat timeout 4 s: this task sweeps (and reads its fence) every second
    const gw = await startGateway(t.stack.app, { host: '127.0.0.1', tcpPort: 0, wsPort: 0, httpPort: 0, publicEndpoint: endpoint, heartbeatTimeoutMs: 4000 });
    gateways.push(gw);
    proxy.target = gw.ports.http;
    const pia = await probe('stall-pia', goimTcpTransport({ host: '127.0.0.1', port: gw.ports.tcp, platform: 'node' }), { backoff: { baseMs: 50, maxMs: 200 } }, probes);
    const closes: string[] = [];
    pia.client.on('state', (change) => change.error && closes.push(change.error.message));
    await pia.client.connect();
    const before = (await t.stack.app.sessions.byUser('stall-pia', Date.now())).map((r) => r.connectionId);
    expect(before).toHaveLength(1);
    const quinn = await t.connect('stall-quinn');

    proxy.stall();
    const { msgId } = await quinn.call('send', { to: { user: 'stall-pia' }, cmid: 'stall-1', body: { text: 'during the stall' } });
    expect(await until(() => proxy.abandoned > 0)).toBe(true); // the job's call timed out against the stalled task
    proxy.resume();
    await t.stack.drain();

    await pia.waitFor(1, (m) => m.message.id === msgId);
    await pia.waitState('open');
    expect(pia.states).toContain('reconnecting');
    expect(closes.join(' ')).toContain('RESYNC');
    await pia.client.sync('inbox'); // nothing more to come: one copy, not two
    expect(pia.messages.filter((m) => m.message.id === msgId)).toHaveLength(1);

    const after = (await t.stack.app.sessions.byUser('stall-pia', Date.now())).map((r) => r.connectionId);
    expect(after).toHaveLength(1);
    expect(after).not.toContain(before[0]);
    expect(gw.gateway.channel(before[0]!)).toBeUndefined();
    expect(gw.gateway.channel(after[0]!)?.uid).toBe('stall-pia');
    expect(await t.stack.app.sessions.endpointFence(endpoint, Date.now())).toBeUndefined(); // the task cleared its fence
  });
});
