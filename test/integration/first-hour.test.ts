import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_JWT_SECRET } from '../../shared/config.js';
import { nextPush, PushApiClient } from '../helpers/push-api-client.js';
import { sleep, TestClient } from '../helpers/ws-client.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const PORT_FLAGS = ['--push-port', '--ws-port', '--tcp-port', '--goim-ws-port', '--internal-port', '--dynamodb-port', '--sqs-port'] as const;
/** Every port setting unset, so only what a test passes counts (the machine's environment may set some). */
const CLEAN_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^EDGEIM_|^AWS_ENDPOINT_URL/.test(k)));

/** A script of the project run as `npm start` / `npm run token` run it (tsx), with its output kept. */
class Run {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Runs `script`; `detached` gives it its own process group, as a shell gives a foreground job. */
  static of(script: string, args: string[], env: Record<string, string> = {}, detached = false): Run {
    return new Run(spawn(process.execPath, ['--import', TSX, script, ...args], { cwd: ROOT, env: { ...CLEAN_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached }));
  }

  /** Ctrl-C in a terminal: SIGINT to every process of the job's group (the emulators' child too). */
  ctrlC(): void {
    process.kill(-this.child.pid!, 'SIGINT');
  }

  /** Resolves once the banner is printed (the stack is up); throws with the output if the process ended first. */
  async started(): Promise<{ pushUrl: string; wsUrl: string; tcpPort: number }> {
    for (let waited = 0; !this.stdout.includes('Ctrl-C stops'); waited += 50) {
      if (this.child.exitCode !== null || waited > 30_000) throw new Error(`npm start did not start:\n${this.stdout}\n${this.stderr}`);
      await sleep(50);
    }
    return {
      pushUrl: /Push API\s+(http:\/\/\S+?)\/v1/.exec(this.stdout)![1]!,
      wsUrl: /WebSocket API\s+(ws:\/\/\S+?)\/\?token/.exec(this.stdout)![1]!,
      tcpPort: Number(/goim TCP\s+127\.0\.0\.1:(\d+)/.exec(this.stdout)![1]),
    };
  }

  /** stderr as lines, once the process has exited. */
  async failure(): Promise<{ code: number | null; lines: string[] }> {
    const code = await this.exited;
    return { code, lines: this.stderr.split('\n').filter(Boolean) };
  }
}

/** A failure the user fixes reads as lines `edgeim: ...`, none of them a stack frame. */
function expectNoStack(lines: string[]) {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(line).toMatch(/^edgeim( token)?: /);
    expect(line).not.toMatch(/^\s+at |Error:|node:internal/);
  }
}

/** Ports free right now (the test then starts a stack on them). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<Server>((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => resolve(s)); })),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

const flags = (ports: number[]) => PORT_FLAGS.flatMap((f, i) => [f, String(ports[i])]);

describe('npm start: settings are checked before anything binds, and a problem is one line', () => {
  it('a port setting out of range names the setting and its flag (it used to crash with ERR_SOCKET_BAD_PORT)', async () => {
    const run = Run.of('local/main.ts', ['--ws-port', 'abc'], { EDGEIM_PUSH_API_PORT: '99999' });
    const { code, lines } = await run.failure();
    expect(code).toBe(2);
    expectNoStack(lines);
    expect(lines).toEqual([
      'edgeim: EDGEIM_PUSH_API_PORT / --push-port: expected a port number 0-65535 (0 picks a free one), got "99999"',
      'edgeim: EDGEIM_WS_API_PORT / --ws-port: expected a port number 0-65535 (0 picks a free one), got "abc"',
    ]);
    expect(run.stdout).toBe('');
  });

  it('an unknown flag, and a bad setting of any kind, are one line each', async () => {
    const unknown = await Run.of('local/main.ts', ['--push-prot', '3000']).failure();
    expect(unknown.code).toBe(2);
    expectNoStack(unknown.lines);
    expect(unknown.lines).toHaveLength(1);
    expect(unknown.lines[0]).toContain("'--push-prot'");

    const bad = await Run.of('local/main.ts', [], { EDGEIM_GOIM_ROUTES_OPEN: 'yes', EDGEIM_GATEWAY_SECRET: 'too-short-and-secret', AWS_ENDPOINT_URL: 'localhost:4566' }).failure();
    expect(bad.code).toBe(2);
    expectNoStack(bad.lines);
    expect(bad.lines).toHaveLength(3);
    expect(bad.lines).toContain('edgeim: EDGEIM_GOIM_ROUTES_OPEN: expected true or false (or 1 / 0), got "yes"');
    expect(bad.lines).toContain('edgeim: AWS_ENDPOINT_URL: expected an http:// or https:// URL, got "localhost:4566"');
    expect(bad.lines.find((l) => l.includes('EDGEIM_GATEWAY_SECRET'))).toBe('edgeim: EDGEIM_GATEWAY_SECRET: must be at least 32 characters');
  });

  it('the standalone gateway (the Fargate task) prints a bad setting as one line too', async () => {
    const bad = await Run.of('gateway/main.ts', [], { EDGEIM_HANDSHAKE_TIMEOUT_MS: 'abc' }).failure();
    expect(bad.code).toBe(2);
    expectNoStack(bad.lines);
    expect(bad.lines).toEqual(['edgeim: EDGEIM_HANDSHAKE_TIMEOUT_MS: expected a number, got "abc"']);
  });

  it('AWS_ENDPOINT_URL with nothing behind it is one line naming the endpoint, at once', async () => {
    const [closed] = await freePorts(1);
    const run = Run.of('local/main.ts', flags([0, 0, 0, 0, 0, 0, 0]), { AWS_ENDPOINT_URL: `http://127.0.0.1:${closed}` });
    const { code, lines } = await run.failure();
    expect(code).toBe(1);
    expectNoStack(lines);
    expect(lines).toEqual([
      `edgeim: AWS_ENDPOINT_URL http://127.0.0.1:${closed} (DynamoDB and SQS) is unreachable: connection refused; start it (e.g. LocalStack), or unset AWS_ENDPOINT_URL to use the embedded emulators`,
    ]);
  });

  it('--help lists every port flag with its setting', async () => {
    const run = Run.of('local/main.ts', ['--help']);
    expect(await run.exited).toBe(0);
    for (const [flag, setting] of [
      ['--push-port', 'EDGEIM_PUSH_API_PORT'],
      ['--ws-port', 'EDGEIM_WS_API_PORT'],
      ['--tcp-port', 'EDGEIM_GATEWAY_TCP_PORT'],
      ['--goim-ws-port', 'EDGEIM_GATEWAY_WS_PORT'],
      ['--internal-port', 'EDGEIM_GATEWAY_HTTP_PORT'],
      ['--dynamodb-port', 'EDGEIM_DYNAMODB_PORT'],
      ['--sqs-port', 'EDGEIM_SQS_PORT'],
    ]) {
      expect(run.stdout).toMatch(new RegExp(`${flag} PORT .*\\(${setting}, default \\d+\\)`));
    }
  });
});

describe('two local stacks side by side', () => {
  const runs: Run[] = [];
  const clients: TestClient[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    for (const r of runs) if (r.child.exitCode === null) process.kill(-r.child.pid!, 'SIGKILL');
  });

  it('run on different ports at once, each its own system; a third on the same ports says which are in use, one line each', async () => {
    const ports = await freePorts(14);
    const [a, b] = [Run.of('local/main.ts', flags(ports.slice(0, 7)), {}, true), Run.of('local/main.ts', flags(ports.slice(7)), {}, true)];
    runs.push(a, b);
    const [urlsA, urlsB] = await Promise.all([a.started(), b.started()]);
    expect(urlsA.pushUrl).toBe(`http://127.0.0.1:${ports[0]}`);
    expect(urlsB.wsUrl).toBe(`ws://127.0.0.1:${ports[8]}`);
    expect([urlsA.tcpPort, urlsB.tcpPort]).toEqual([ports[2], ports[9]]);

    // The same uid on both: a push through each stack reaches only that stack's connection.
    const [onA, onB] = await Promise.all([TestClient.connect(urlsA.wsUrl, 'twin'), TestClient.connect(urlsB.wsUrl, 'twin')]);
    clients.push(onA, onB);
    const [pushA, pushB] = [new PushApiClient(urlsA.pushUrl), new PushApiClient(urlsB.pushUrl)];
    expect((await pushA.post('/v1/push', { op: 1001, body: 'from A', to: { users: ['twin'] } })).body).toMatchObject({ connections: 1 });
    expect((await pushB.post('/v1/push', { op: 1002, body: 'from B', to: { users: ['twin'] } })).body).toMatchObject({ connections: 1 });
    expect((await nextPush(onA, 1001)).body).toBe('from A');
    expect((await nextPush(onB, 1002)).body).toBe('from B');
    // goim clients are told each stack's own gateway.
    expect((await pushA.goim('GET', '/nodes/weighted')).body.data).toMatchObject({ tcp_port: ports[2], ws_port: ports[3], wss_port: 0 });
    expect((await pushB.goim('GET', '/nodes/weighted')).body.data).toMatchObject({ tcp_port: ports[9], ws_port: ports[10], wss_port: 0 });

    // A second `npm start` on A's ports: nothing starts, every taken port is one line naming its setting and flag.
    const clash = await Run.of('local/main.ts', flags(ports.slice(0, 7))).failure();
    expect(clash.code).toBe(1);
    expectNoStack(clash.lines);
    expect(clash.lines).toHaveLength(7);
    expect(clash.lines[0]).toBe(
      `edgeim: port ${ports[0]} (EDGEIM_PUSH_API_PORT / --push-port) is in use: another program listens there (another npm start?); stop it, or choose another port (--push-port 0 picks a free one)`,
    );
    for (const [i, flag] of PORT_FLAGS.entries()) expect(clash.lines.some((l) => l.includes(`port ${ports[i]} (`) && l.includes(`/ ${flag})`))).toBe(true);
    expect(onA.pending('push')).toEqual([]); // stack A is untouched
    expect((await pushA.get('/v1/online/total')).status).toBe(200);

    // Ctrl-C reaches the whole process group: each drains and stops cleanly, its emulators too.
    await Promise.all(clients.map((c) => c.close()));
    a.ctrlC();
    b.ctrlC();
    expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);
    for (const run of [a, b]) {
      expect(run.stdout).toContain('drained: every accepted message was processed; stopped');
      expect(run.stderr).toBe('');
    }
  });
});

describe('npm run token', () => {
  it('refuses a uid the server would refuse, and a ttl that is not whole seconds, in one line', async () => {
    for (const [args, expected] of [
      [['bad uid'], 'edgeim token: uid "bad uid" is not valid: expected 1-64 chars of [A-Za-z0-9_.@-] (the server refuses any other sub)'],
      [['alice', 'abc'], 'edgeim token: ttl "abc" is not valid: expected whole seconds from 1 to 31536000 (e.g. 3600 for an hour)'],
      [['alice', '0'], 'edgeim token: ttl "0" is not valid: expected whole seconds from 1 to 31536000 (e.g. 3600 for an hour)'],
    ] as const) {
      const run = Run.of('local/token.ts', [...args]);
      const { code, lines } = await run.failure();
      expect(code, args.join(' ')).toBe(2);
      expectNoStack(lines);
      expect(lines).toEqual([expected]);
      expect(run.stdout).toBe('');
    }
  });

  it('prints a token for a valid uid and ttl that the local secret verifies', async () => {
    const run = Run.of('local/token.ts', ['alice', '3600']);
    expect(await run.exited).toBe(0);
    const { payload } = await jwtVerify(run.stdout.trim(), new TextEncoder().encode(LOCAL_JWT_SECRET));
    expect(payload.sub).toBe('alice');
    expect(payload.exp! - payload.iat!).toBe(3600);
  });
});
