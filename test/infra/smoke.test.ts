import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/bundling.js';
import type { LocalStack } from '../../local/stack.js';
import { LOCAL_JWT_SECRET } from '../../shared/config.js';
import { signToken } from '../../shared/domain/auth.js';
import { runSmoke } from '../../smoke/run-smoke.js';
import { readOutputs, targetFromOutputs, type StackOutputs } from '../../smoke/smoke-target.js';
import { startTestStack } from '../helpers/local-stack.js';
import { selfSignedCertificate, type SelfSigned } from '../helpers/self-signed.js';

const run = promisify(execFile);

// Prepare: a local stack shaped like a deployed one with a certificate: the gateway speaks
// TLS only (self-signed here), and the smoke test reads "stack outputs" that point at it.
let cert: SelfSigned;
let stack: LocalStack;
let outputs: StackOutputs;
/** Whether this WebSocket API answers `{"action":"ping"}` with a pong (the cloud's MOCK route). */
let servesPing = false;

beforeAll(async () => {
  cert = selfSignedCertificate();
  stack = await startTestStack({ env: { EDGEIM_GATEWAY_TLS_CERT_FILE: cert.certFile, EDGEIM_GATEWAY_TLS_KEY_FILE: cert.keyFile } });
  outputs = {
    WebSocketUrl: stack.wsUrl,
    PushApiUrl: stack.pushUrl,
    GatewayHost: 'localhost',
    GatewayTlsPort: String(stack.gateway.ports.tcp),
    GatewayWssPort: String(stack.gateway.ports.ws),
  };
  servesPing = await answersPing(stack.wsUrl);
}, 60_000);
afterAll(async () => {
  await stack?.close();
  cert?.dispose();
});

async function answersPing(url: string): Promise<boolean> {
  const ws = new WebSocket(`${url}/?token=${await signToken('smoke-probe', LOCAL_JWT_SECRET)}`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const frame = await new Promise<string>((resolve) => {
    ws.once('message', (d) => resolve(String(d)));
    ws.send(JSON.stringify({ action: 'ping' }));
  });
  ws.close();
  return (JSON.parse(frame) as { type?: string }).type === 'pong';
}

describe('npm run smoke against the local stack', () => {
  it('connects (TLS to the gateway), sends both ways, syncs a fresh device and pushes: every check passes', async () => {
    const target = await targetFromOutputs(outputs, { local: true, ca: cert.cert });
    expect(target.gateway).toEqual({ host: 'localhost', tcp: { port: stack.gateway.ports.tcp, tls: true }, ws: { url: `wss://localhost:${stack.gateway.ports.ws}/sub` } });
    const lines: string[] = [];
    const results = await runSmoke(target, { log: (l) => lines.push(l), timeoutMs: 15_000 });
    expect(results.map((r) => r.check)).toEqual([
      'connect: WebSocket API',
      'connect: goim TCP + TLS',
      'connect: goim WebSocket + TLS',
      'send: alice → bob',
      'send: bob → alice',
      'sync: a fresh device catches up',
      'push API: stored message',
      'push API: transient push',
      'ping',
    ]);
    const failed = results.filter((r) => !r.ok && !(r.check === 'ping' && !servesPing));
    expect(failed, lines.join('\n')).toEqual([]);
    // The ping check passes exactly when the API answers ping (the cloud's MOCK route; the emulator serves the same route).
    expect(servesPing).toBe(true);
    expect(results.find((r) => r.check === 'ping')!.ok).toBe(servesPing);
  }, 60_000);

  it('reports failures instead of hiding them: a wrong API key fails the push API checks', async () => {
    const target = await targetFromOutputs(outputs, { local: true, ca: cert.cert, apiKey: 'not-a-key' });
    const results = await runSmoke(target, { log: () => undefined, timeoutMs: 5000, skip: ['sync: a fresh device catches up', 'ping'] });
    const failed = results.filter((r) => !r.ok).map((r) => r.check);
    expect(failed).toEqual(['push API: stored message', 'push API: transient push']);
    expect(results.find((r) => r.check === 'push API: stored message')!.detail).toMatch(/answered 401/);
  }, 60_000);

  it('the command reads Key=Value outputs (and outputs files) and exits 0 when every check passes', async () => {
    const args = ['tsx', 'smoke/main.ts', '--local', '--ca', cert.certFile, ...(servesPing ? [] : ['--skip', 'ping']), ...Object.entries(outputs).map(([k, v]) => `${k}=${v}`)];
    const { stdout } = await run('npx', args, { cwd: REPO_ROOT, timeout: 60_000, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
    expect(stdout).toMatch(/PASS {2}connect: goim TCP \+ TLS/);
    expect(stdout).toMatch(/(\d+) of \1 checks passed/);
  }, 90_000);

  it('an outputs file from cdk deploy --outputs-file: one stack, or the one named', () => {
    const file = path.join(cert.certFile, '..', 'outputs.json');
    writeFileSync(file, JSON.stringify({ EdgeIm: { WebSocketUrl: 'wss://a/prod' }, Other: { WebSocketUrl: 'wss://b/prod' } }));
    expect(() => readOutputs([file])).toThrow(/--stack NAME/);
    expect(readOutputs([file, 'PushApiUrl=https://p'], 'Other')).toEqual({ WebSocketUrl: 'wss://b/prod', PushApiUrl: 'https://p' });
  });
});
