import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { LOCAL_API_KEY, LOCAL_JWT_SECRET } from '../../shared/config.js';
import { signToken } from '../../shared/domain/auth.js';
import { SIGNATURE_HEADER, signatureHeader } from '../../shared/protocol/gateway-signature.js';
import { gatewayFetch } from '../helpers/gateway-fetch.js';
import { GoimClient, OP } from '../helpers/goim-client.js';
import { startTestStack } from '../helpers/local-stack.js';

/**
 * The gateway task's internal API: every route × every kind of caller. Only a call
 * signed with the gateway secret (as the fan-out job and the push API sign) is obeyed;
 * everything else is 401 and does nothing: no frame reaches the connection, nobody is
 * kicked. `/healthz` is open (load balancer and ECS health checks).
 */
type Caller = 'signed' | 'noSignature' | 'wrongSecret' | 'apiKeyBearer' | 'userTokenBearer' | 'staleTime' | 'tamperedBody' | 'otherTarget';
const CALLERS: Caller[] = ['signed', 'noSignature', 'wrongSecret', 'apiKeyBearer', 'userTokenBearer', 'staleTime', 'tamperedBody', 'otherTarget'];

describe('authorization matrix: gateway internal API', () => {
  let stack: LocalStack;
  let victim: GoimClient & { auth: any };
  let roomie: GoimClient & { auth: any };
  const clients: GoimClient[] = [];
  let seq = 0;

  beforeAll(async () => {
    stack = await startTestStack();
    const ports = { tcp: stack.gateway.ports.tcp, wsUrl: stack.gateway.wsUrl };
    victim = await GoimClient.connect('tcp', ports, 'ia-victim', { accepts: [2000] });
    roomie = await GoimClient.connect('ws', ports, 'ia-roomie');
    clients.push(victim, roomie);
    await roomie.call(OP.Join, OP.JoinReply, { room: 'ia-room' });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await stack.close();
  });

  /** One call as `caller`: the route's method, target and body, signed (or not) as that caller would. */
  async function call(caller: Caller, method: string, target: string, body?: string): Promise<Response> {
    const secret = stack.config.EDGEIM_GATEWAY_SECRET!;
    const url = stack.gateway.endpoint + target;
    const init = (headers: Record<string, string>, sent = body) => fetch(url, { method, headers, ...(sent !== undefined ? { body: sent } : {}) });
    switch (caller) {
      case 'signed':
        return gatewayFetch(stack, target, { method, ...(body !== undefined ? { body } : {}) });
      case 'noSignature':
        return init({});
      case 'wrongSecret':
        return gatewayFetch(stack, target, { method, secret: 'x'.repeat(43), ...(body !== undefined ? { body } : {}) });
      case 'apiKeyBearer':
        return init({ authorization: `Bearer ${LOCAL_API_KEY}`, [SIGNATURE_HEADER]: LOCAL_API_KEY });
      case 'userTokenBearer':
        return init({ authorization: `Bearer ${await signToken('system', LOCAL_JWT_SECRET)}` });
      case 'staleTime':
        return init({ [SIGNATURE_HEADER]: signatureHeader(secret, { method, target, body }, Date.now() - 10 * 60_000) });
      case 'tamperedBody': // the body sent is not the one signed (a bodyless call: signed for a body it lacks)
        if (body === undefined) return init({ [SIGNATURE_HEADER]: signatureHeader(secret, { method, target, body: 'x' }) });
        return init({ [SIGNATURE_HEADER]: signatureHeader(secret, { method, target, body }) }, body.replace('ia-', 'IA-'));
      case 'otherTarget':
        return init({ [SIGNATURE_HEADER]: signatureHeader(secret, { method, target: '/@connections/someone-else', body }) });
    }
  }

  const push = (n: number, extra: object = {}) => JSON.stringify({ type: 'push', op: 2000, body: `ia-${n}`, ...extra });

  it.each(CALLERS)('POST /@connections/{id} as %s', async (caller) => {
    const n = ++seq;
    const res = await call(caller, 'POST', `/@connections/${victim.auth.key}`, push(n));
    if (caller !== 'signed') {
      expect(res.status).toBe(401);
      // Proof it did nothing: a signed push after it is the next op-2000 packet the victim sees.
      expect((await call('signed', 'POST', `/@connections/${victim.auth.key}`, push(-n))).status).toBe(200);
      expect((await victim.next((p) => p.op === 2000)).body.toString()).toBe(`ia--${n}`);
      return;
    }
    expect(res.status).toBe(200);
    expect((await victim.next((p) => p.op === 2000)).body.toString()).toBe(`ia-${n}`);
  });

  it.each(CALLERS)('POST /@batch as %s', async (caller) => {
    const n = ++seq;
    const res = await call(caller, 'POST', '/@batch', JSON.stringify({ items: [{ connectionId: victim.auth.key, data: push(n) }] }));
    expect(res.status).toBe(caller === 'signed' ? 200 : 401);
    if (caller === 'signed') expect((await victim.next((p) => p.op === 2000)).body.toString()).toBe(`ia-${n}`);
  });

  it.each(CALLERS)('POST /@rooms/{rid} as %s', async (caller) => {
    const n = ++seq;
    const res = await call(caller, 'POST', '/@rooms/ia-room', push(n));
    expect(res.status).toBe(caller === 'signed' ? 200 : 401);
    if (caller === 'signed') expect((await roomie.next((p) => p.op === 2000)).body.toString()).toBe(`ia-${n}`);
  });

  it.each(CALLERS)('GET /@connections/{id} as %s', async (caller) => {
    const res = await call(caller, 'GET', `/@connections/${victim.auth.key}`);
    expect(res.status).toBe(caller === 'signed' ? 200 : 401);
    if (caller === 'signed') expect(await res.json()).toMatchObject({ ConnectedAt: expect.any(String) });
    else expect(await res.json()).toEqual({ message: 'Unauthorized' }); // no connection data leaks
  });

  it.each(CALLERS.filter((c) => c !== 'signed'))('DELETE /@connections/{id} as %s: 401, the connection stays', async (caller) => {
    expect((await call(caller, 'DELETE', `/@connections/${victim.auth.key}`)).status).toBe(401);
    expect((await victim.request(OP.Heartbeat, OP.HeartbeatReply)).op).toBe(OP.HeartbeatReply);
  });

  it('GET /healthz needs no signature; a signed DELETE kicks (last: it closes the victim)', async () => {
    expect((await fetch(`${stack.gateway.endpoint}/healthz`)).status).toBe(200);
    expect((await call('signed', 'DELETE', `/@connections/${victim.auth.key}`)).status).toBe(204);
    expect((await victim.next((p) => p.op === OP.DisconnectReply)).json).toMatchObject({ code: 'CLOSED_BY_SERVER' });
  });

  it('a gateway without a secret refuses to start', async () => {
    const { startGateway } = await import('../../gateway/server.js');
    const app = { ...stack.app, config: { ...stack.config, EDGEIM_GATEWAY_SECRET: undefined } };
    await expect(startGateway(app, { host: '127.0.0.1', tcpPort: 0, wsPort: 0, httpPort: 0 })).rejects.toThrow(/EDGEIM_GATEWAY_SECRET/);
  });
});
