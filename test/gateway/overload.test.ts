import { afterAll, describe, expect, it } from 'vitest';
import { goimTcpTransport } from '../../sdk/tcp.js';
import { encode, GoimClient, OP, type GoimPacket } from '../helpers/goim-client.js';
import { useTestStack } from '../helpers/local-stack.js';
import { probe, token, type Probe } from '../sdk/sdk-helpers.js';

const RETRY_MS = 200;

/**
 * Admission control with a tiny limit (one Auth in flight at a time): the gateway sheds
 * the rest explicitly, DisconnectReply OVERLOADED `{reconnect: true, retryAfterMs}`, and
 * clients that come back after the hint (raw goim clients) or back off (the SDK) all get in.
 */
describe('gateway admission control (OVERLOADED)', () => {
  const t = useTestStack({ env: { EDGEIM_GATEWAY_MAX_PENDING_AUTHS: '1', EDGEIM_GATEWAY_OVERLOAD_RETRY_MS: String(RETRY_MS) } });
  const opened: GoimClient[] = [];
  const probes: Probe[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((c) => c.close()));
    for (const p of probes) p.client.close();
  });

  /** Connects, sends Auth and resolves with the answer (AuthReply or DisconnectReply). */
  const attempt = async (uid: string): Promise<GoimPacket> => {
    const auth = JSON.stringify({ token: await token(uid) });
    const client = await GoimClient.tcp(t.stack.gateway.ports.tcp);
    opened.push(client);
    const answer = client.next((p) => p.op === OP.AuthReply || p.op === OP.DisconnectReply, 60_000);
    client.write(encode(OP.Auth, auth, 1));
    return answer;
  };

  it('answers Auths beyond the limit OVERLOADED with reconnect and a retry hint; each refused client gets in when it comes back', async () => {
    const uids = Array.from({ length: 20 }, (_, i) => `ov-raw-${i}`);
    const tokens = await Promise.all(uids.map((uid) => token(uid)));
    const clients = await Promise.all(uids.map(() => GoimClient.tcp(t.stack.gateway.ports.tcp)));
    opened.push(...clients);
    const answers = clients.map((c) => c.next((p) => p.op === OP.AuthReply || p.op === OP.DisconnectReply, 60_000));
    clients.forEach((c, i) => c.write(encode(OP.Auth, JSON.stringify({ token: tokens[i] }), 1))); // all at once
    const first = await Promise.all(answers);

    const refused = first.flatMap((p, i) => (p.op === OP.DisconnectReply ? [i] : []));
    expect(refused.length).toBeGreaterThan(0);
    expect(first.some((p) => p.op === OP.AuthReply)).toBe(true);
    for (const i of refused) {
      expect(first[i]!.json).toMatchObject({ code: 'OVERLOADED', reconnect: true });
      expect(first[i]!.json.retryAfterMs).toBeGreaterThanOrEqual(RETRY_MS);
      expect(first[i]!.json.retryAfterMs).toBeLessThan(2 * RETRY_MS + 1);
      await clients[i]!.closed; // the gateway closes a refused connection
    }
    expect(await t.stack.app.sessions.byUser(uids[refused[0]!]!, Date.now())).toEqual([]); // nothing stored for it

    // Each refused client comes back after its hint (with jitter), as many times as it is told to.
    await Promise.all(
      refused.map(async (i) => {
        let wait = first[i]!.json.retryAfterMs as number;
        for (let tries = 0; tries < 100; tries++) {
          await new Promise((r) => setTimeout(r, wait * (1 + Math.random())));
          const reply = await attempt(uids[i]!);
          if (reply.op === OP.AuthReply) return;
          expect(reply.json).toMatchObject({ code: 'OVERLOADED', reconnect: true });
          wait = reply.json.retryAfterMs;
        }
        throw new Error(`${uids[i]} never got in`);
      }),
    );
    for (const uid of uids) expect(await t.stack.app.sessions.byUser(uid, Date.now())).toHaveLength(1);
  });

  it('SDK clients refused at first all get in after backing off', async () => {
    const before = t.stack.gateway.gateway.admission.refused;
    const transport = goimTcpTransport({ host: '127.0.0.1', port: t.stack.gateway.ports.tcp, platform: 'node' });
    for (let i = 0; i < 30; i++) probes.push(await probe(`ov-sdk-${i}`, transport, { backoff: { baseMs: 200, maxMs: 2000 } }));
    await Promise.all(probes.map((p) => p.client.connect()));
    for (const p of probes) expect(p.client.state).toBe('open');
    expect(t.stack.gateway.gateway.admission.refused).toBeGreaterThan(before);
    expect(probes.some((p) => p.errors.some((e) => e.code === 'OVERLOADED' || e.message.includes('OVERLOADED')))).toBe(true);
  });
});
