import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { GoimClient, OP } from '../helpers/goim-client.js';
import { useTestStack } from '../helpers/local-stack.js';

/**
 * A gateway task that is alive but briefly cannot take the job's call: its clients must
 * still get what was sent to them once it can, and must stay reachable afterwards.
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
  afterAll(async () => {
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

  // Defect, not fixed here: a response timeout from a task that accepted the connection is
  // read as "the task is dead": every session of the task is deleted, although its process
  // is alive (a GC pause, a connect storm's event-loop lag, a CPU-starved Fargate task).
  // Its clients stay connected but get no live delivery and look offline until the task
  // renews their sessions (half the session ttl: about an hour). See the report.
  it.fails('a task that stalls past the delivery timeout keeps its sessions; its client gets the message once the task answers again', async () => {
    const proxy = new StallableProxy();
    proxies.push(proxy);
    const proxyPort = await proxy.listen();
    const gw = await startGateway(t.stack.app, { host: '127.0.0.1', tcpPort: 0, wsPort: 0, httpPort: 0, publicEndpoint: `http://127.0.0.1:${proxyPort}` });
    gateways.push(gw);
    proxy.target = gw.ports.http;
    const pia = await GoimClient.connect('tcp', { tcp: gw.ports.tcp, wsUrl: gw.wsUrl }, 'stall-pia');
    clients.push(pia);
    const quinn = await t.connect('stall-quinn');

    proxy.stall();
    const { msgId } = await quinn.call('send', { to: { user: 'stall-pia' }, cmid: 'stall-1', body: { text: 'during the stall' } });
    expect(await until(() => proxy.abandoned > 0)).toBe(true); // the job's call timed out against the stalled task
    proxy.resume();
    await t.stack.drain();

    const sessions = (await t.stack.app.sessions.byUser('stall-pia', Date.now())).map((r) => r.connectionId);
    expect(sessions).toEqual([pia.auth.key]);
    expect(await until(() => pia.log.some((p) => p.op === OP.Message && p.json.message.id === msgId))).toBe(true);
  });
});
