import { SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { EdgeImClient } from '../../sdk/index.js';
import { goimTcpTransport } from '../../sdk/tcp.js';
import { LOCAL_JWT_SECRET } from '../../shared/config.js';
import { GoimClient, OP } from '../helpers/goim-client.js';
import { useTestStack } from '../helpers/local-stack.js';

/**
 * Tokens are meant to be short-lived (docs/PROTOCOL.md: minutes to hours), so that a
 * revoked user or a leaked token stops working soon. A connection must not outlive the
 * token it was opened with by more than one sweep of the gateway, nor live longer than
 * the platform's own cap (API Gateway's 2 h).
 */
describe('a gateway connection and the token it authenticated with', () => {
  const t = useTestStack({ env: { EDGEIM_HEARTBEAT_TIMEOUT_MS: '4000' } }); // the sweep runs every second
  const gateways: RunningGateway[] = [];
  afterAll(async () => {
    for (const g of gateways) await g.close();
  });

  const tokenFor = (uid: string, expSeconds: number) =>
    new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(uid).setExpirationTime(expSeconds).sign(new TextEncoder().encode(LOCAL_JWT_SECRET));

  it('is closed (DisconnectReply TOKEN_EXPIRED, reconnect) once that token has expired', { timeout: 15_000 }, async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const c = await GoimClient.tcp(t.stack.gateway.ports.tcp);
    expect((await c.auth({ token: await tokenFor('short-lived', exp) })).op).toBe(OP.AuthReply);
    const closed = c.next((p) => p.op === OP.DisconnectReply, 5000);
    // keep heartbeating past the expiry, as a live client does
    const beat = setInterval(() => c.isClosed || c.request(OP.Heartbeat, OP.HeartbeatReply).catch(() => undefined), 500);
    try {
      expect((await closed).json).toMatchObject({ code: 'TOKEN_EXPIRED', reconnect: true });
      expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000); // not before it expired
    } finally {
      clearInterval(beat);
      await c.close();
    }
    for (let i = 0; i < 100 && (await t.stack.app.sessions.byUser('short-lived', Date.now())).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await t.stack.app.sessions.byUser('short-lived', Date.now())).toEqual([]);
  });

  it('the SDK asks its refreshToken hook for a new token (reason "expired") and comes back with it', { timeout: 15_000 }, async () => {
    const reasons: string[] = [];
    const client = new EdgeImClient({
      transport: goimTcpTransport({ host: '127.0.0.1', port: t.stack.gateway.ports.tcp, platform: 'node' }),
      token: await tokenFor('refresher', Math.floor(Date.now() / 1000) + 2),
      refreshToken: async (reason) => {
        reasons.push(reason);
        return tokenFor('refresher', Math.floor(Date.now() / 1000) + 3600);
      },
      backoff: { baseMs: 50, maxMs: 200 },
    });
    const states: string[] = [];
    client.on('state', (s) => states.push(s.state));
    try {
      await client.connect();
      for (let i = 0; i < 300 && !(states.includes('reconnecting') && client.state === 'open'); i++) await new Promise((r) => setTimeout(r, 25));
      expect(reasons).toEqual(['expired']);
      expect(client.state).toBe('open');
      // the new connection works and holds the new token's session
      await t.stack.app.sessions.byUser('refresher', Date.now()).then((refs) => expect(refs).toHaveLength(1));
      await client.sync('inbox');
    } finally {
      client.close();
    }
  });

  it('is closed (DisconnectReply MAX_AGE, reconnect) at its age cap even with a long-lived token', { timeout: 15_000 }, async () => {
    const gw = await startGateway(t.stack.app, { host: '127.0.0.1', tcpPort: 0, wsPort: 0, httpPort: 0, maxConnectionAgeSeconds: 1 });
    gateways.push(gw);
    const c = await GoimClient.connect('tcp', { tcp: gw.ports.tcp, wsUrl: gw.wsUrl }, 'old-timer');
    const closed = c.next((p) => p.op === OP.DisconnectReply, 5000);
    const beat = setInterval(() => c.isClosed || c.request(OP.Heartbeat, OP.HeartbeatReply).catch(() => undefined), 300);
    try {
      expect((await closed).json).toMatchObject({ code: 'MAX_AGE', reconnect: true });
    } finally {
      clearInterval(beat);
      await c.close();
    }
  });
});
