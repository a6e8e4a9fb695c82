import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { SIGNATURE_HEADER, signatureHeader } from '../../shared/protocol/gateway-signature.js';
import { GoimClient, OP } from '../helpers/goim-client.js';
import { startTestStack } from '../helpers/local-stack.js';

/** A raw HTTP call with the request target exactly as given (fetch would normalise it). */
function raw(port: number, method: string, target: string, headers: Record<string, string | string[]>, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: target, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The internal API's signature covers the request target exactly as sent: a signature
 * made for one target is good for no other spelling of it, and not for another method.
 * (Held: every variant below is 401 and nothing reaches the connection.)
 */
describe('gateway internal API: request-target and method variants of a signed call', () => {
  let stack: LocalStack;
  let victim: GoimClient & { auth: any };
  beforeAll(async () => {
    stack = await startTestStack();
    victim = await GoimClient.connect('tcp', { tcp: stack.gateway.ports.tcp, wsUrl: stack.gateway.wsUrl }, 'it-victim', { accepts: [3000] });
  });
  afterAll(async () => {
    await victim.close();
    await stack.close();
  });

  it('a signature for POST /@connections/{id} works for none of its other spellings, methods or a second header', async () => {
    const secret = stack.config.EDGEIM_GATEWAY_SECRET!;
    const id = victim.auth.key as string;
    const target = `/@connections/${id}`;
    const body = JSON.stringify({ type: 'push', op: 3000, body: 'forged' });
    const sig = signatureHeader(secret, { method: 'POST', target, body });
    const port = stack.gateway.ports.http;
    const variants: [string, string, string | undefined, Record<string, string | string[]>][] = [
      ['POST', `/${target}`, body, { [SIGNATURE_HEADER]: sig }],
      ['POST', `${target}?`, body, { [SIGNATURE_HEADER]: sig }],
      ['POST', `${target}?x=1`, body, { [SIGNATURE_HEADER]: sig }],
      ['POST', `/stage${target}`, body, { [SIGNATURE_HEADER]: sig }],
      ['POST', `/@connections/${encodeURIComponent(id).replace(/[A-Za-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`)}`, body, { [SIGNATURE_HEADER]: sig }],
      ['POST', `/x/../@connections/${id}`, body, { [SIGNATURE_HEADER]: sig }],
      ['PUT', target, body, { [SIGNATURE_HEADER]: sig }],
      ['DELETE', target, undefined, { [SIGNATURE_HEADER]: sig }],
      ['GET', target, undefined, { [SIGNATURE_HEADER]: sig }],
      ['HEAD', target, undefined, { [SIGNATURE_HEADER]: sig }],
      ['OPTIONS', target, undefined, { [SIGNATURE_HEADER]: sig }],
      ['POST', target, `${body} `, { [SIGNATURE_HEADER]: sig }],
      ['POST', target, body, { [SIGNATURE_HEADER]: [sig, `t=${Math.floor(Date.now() / 1000) + 5}`] }],
      ['POST', target, body, { [SIGNATURE_HEADER]: sig.replace(/v1=([0-9a-f])/, (_m, c: string) => `v1=${c === '0' ? '1' : '0'}`) }],
      ['POST', target, body, { [SIGNATURE_HEADER]: sig.toUpperCase() }],
    ];
    const statuses = [];
    for (const [method, t, b, headers] of variants) statuses.push(`${method} ${t.replace(id, '{id}')} -> ${await raw(port, method, t, headers, b)}`);
    expect(statuses.filter((s) => !s.endsWith('-> 401'))).toEqual([]);
    // the genuine call still works, and only it reached the client
    expect(await raw(port, 'POST', target, { [SIGNATURE_HEADER]: sig }, body)).toBe(200);
    const got = await victim.next((p) => p.op === 3000);
    expect(got.body.toString()).toBe('forged');
    expect(victim.packets.filter((p) => p.op === 3000)).toEqual([]);
  });

  it('a signed call captured on the wire and sent again (within the 60 s window) is refused 401; a freshly signed repeat works', async () => {
    const secret = stack.config.EDGEIM_GATEWAY_SECRET!;
    const target = `/@connections/${victim.auth.key as string}`;
    const body = JSON.stringify({ type: 'push', op: 3000, body: 'once' });
    const port = stack.gateway.ports.http;
    const captured = { [SIGNATURE_HEADER]: signatureHeader(secret, { method: 'POST', target, body }) };
    expect(await raw(port, 'POST', target, captured, body)).toBe(200);
    expect(await raw(port, 'POST', target, captured, body)).toBe(401);
    const again = await Promise.all([raw(port, 'POST', target, captured, body), raw(port, 'POST', target, captured, body)]);
    expect(again).toEqual([401, 401]);
    // the same request signed again (a new nonce) is a new call, as the job's retries are
    expect(await raw(port, 'POST', target, { [SIGNATURE_HEADER]: signatureHeader(secret, { method: 'POST', target, body }) }, body)).toBe(200);
    const got = [await victim.next((p) => p.op === 3000), await victim.next((p) => p.op === 3000)];
    expect(got.map((p) => p.body.toString())).toEqual(['once', 'once']);
    await new Promise((r) => setTimeout(r, 100));
    expect(victim.packets.filter((p) => p.op === 3000)).toEqual([]); // exactly two, not three or four
  });

  it('/healthz tells only status and a connection count', async () => {
    const res = await fetch(`${stack.gateway.endpoint}/healthz`);
    expect(Object.keys((await res.json()) as object).sort()).toEqual(['connections', 'status']);
  });
});
