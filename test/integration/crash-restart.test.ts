import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { sleep, TestClient, type Frame } from '../helpers/ws-client.js';
import { checkInbox, oddCmid, wholeInbox } from '../helpers/durability.js';
import { PushApiClient } from '../helpers/push-api-client.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const PORT_SETTINGS = ['EDGEIM_WS_API_PORT', 'EDGEIM_PUSH_API_PORT', 'EDGEIM_DYNAMODB_PORT', 'EDGEIM_SQS_PORT', 'EDGEIM_GATEWAY_TCP_PORT', 'EDGEIM_GATEWAY_WS_PORT', 'EDGEIM_GATEWAY_HTTP_PORT'];

/** `npm start -- --data DIR` (local/main.ts) as a child process, every port free. */
class Runtime {
  output = '';
  readonly exited: Promise<number | null>;
  wsUrl = '';
  pushUrl = '';
  queueUrl = '';

  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(dataDir: string): Promise<Runtime> {
    const env = { ...process.env, ...Object.fromEntries(PORT_SETTINGS.map((k) => [k, '0'])) };
    const rt = new Runtime(spawn(process.execPath, ['--import', TSX, 'local/main.ts', '--data', dataDir], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
    for (let waited = 0; !/SQS\s+(\S+)/.test(rt.output); waited += 50) {
      if (rt.child.exitCode !== null || waited > 25_000) throw new Error(`the runtime did not start:\n${rt.output}`);
      await sleep(50);
    }
    rt.wsUrl = /WebSocket API\s+(ws:\/\/\S+?)\/\?token/.exec(rt.output)![1]!;
    rt.queueUrl = /SQS\s+(\S+)/.exec(rt.output)![1]!;
    rt.pushUrl = /Push API\s+(http:\/\/\S+?)\/v1/.exec(rt.output)![1]!;
    return rt;
  }

  /** Jobs waiting or in flight in the runtime's queue, through the real SQS client. */
  async queued(): Promise<number> {
    const sqs = new SQSClient({ region: 'us-east-1', endpoint: new URL(this.queueUrl).origin, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    try {
      const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ['All'] }))).Attributes!;
      return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
    } finally {
      sqs.destroy();
    }
  }

  async stop(signal: NodeJS.Signals): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }
}

/** A send that settles: the reply, or undefined when the connection dropped first (not acknowledged). */
function trySend(client: TestClient, fields: Frame): Promise<Frame | undefined> {
  if (client.ws.readyState !== client.ws.OPEN) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onClose = () => resolve(undefined);
    client.ws.once('close', onClose);
    client.request('send', fields).then(
      (reply) => {
        client.ws.off('close', onClose);
        resolve(reply);
      },
      () => resolve(undefined),
    );
  });
}

interface Planned {
  from: string;
  request: Frame;
  conv: string;
  owners: string[];
  msgId?: string;
}

const USERS = ['amy', 'ben', 'cai'];
const GROUP = 'crash.crew';

/** Each user's stream of sends: 1:1 to the next user and to the group, odd cmids. */
function plan(perUser: number): Map<string, Planned[]> {
  const out = new Map<string, Planned[]>();
  USERS.forEach((from, u) => {
    const peer = USERS[(u + 1) % USERS.length]!;
    out.set(
      from,
      Array.from({ length: perUser }, (_, i) => {
        const toGroup = i % 2 === 1;
        return {
          from,
          request: { to: toGroup ? { group: GROUP } : { user: peer }, cmid: oddCmid(from, i), body: { text: `${from} ${i}` } },
          conv: toGroup ? `g:${GROUP}` : `u:${[from, peer].sort().join(':')}`,
          owners: toGroup ? USERS : [from, peer],
        };
      }),
    );
  });
  return out;
}

/**
 * Streams from every user until `acked` sends were acknowledged, stops the runtime with
 * `signal`, and keeps sending until each connection is gone. Returns per user the index
 * of the first send not acknowledged, and the message ids each user's connection got live.
 */
async function streamUntilStopped(rt: Runtime, plans: Map<string, Planned[]>, acked: number, signal: NodeJS.Signals): Promise<{ next: Map<string, number>; live: Map<string, Set<string>> }> {
  const clients = new Map<string, TestClient>();
  for (const u of USERS) clients.set(u, await TestClient.connect(rt.wsUrl, u));
  await clients.get('amy')!.call('createGroup', { group: GROUP, members: USERS });
  let total = 0;
  let stopping: Promise<number | null> | undefined;
  const next = new Map<string, number>();
  await Promise.all(
    USERS.map(async (u) => {
      const list = plans.get(u)!;
      let i = 0;
      for (; i < list.length; i++) {
        const reply = await trySend(clients.get(u)!, list[i]!.request);
        if (!reply?.ok) break; // dropped, or OVERLOADED while stopping: not accepted
        list[i]!.msgId = reply.data.msgId;
        if (++total === acked) stopping = rt.stop(signal);
      }
      next.set(u, i);
    }),
  );
  expect(stopping, 'the stream ended before the stop').toBeDefined();
  await stopping;
  await Promise.all([...clients.values()].map((c) => c.close()));
  const live = new Map(USERS.map((u) => [u, new Set(clients.get(u)!.pending('message').map((f) => f.message.id as string))]));
  return { next, live };
}

/** After the restart: resend what was not acknowledged (same cmid, as a client does), then the rest. */
async function resendAndFinish(rt: Runtime, plans: Map<string, Planned[]>, next: Map<string, number>): Promise<Map<string, TestClient>> {
  const clients = new Map<string, TestClient>();
  for (const u of USERS) clients.set(u, await TestClient.connect(rt.wsUrl, u));
  await Promise.all(
    USERS.map(async (u) => {
      const list = plans.get(u)!;
      for (let i = next.get(u)!; i < list.length; i++) list[i]!.msgId = (await clients.get(u)!.call('send', list[i]!.request)).msgId;
    }),
  );
  for (let waited = 0; (await rt.queued()) > 0; waited += 50) {
    if (waited > 30_000) throw new Error('the queue did not drain after the restart');
    await sleep(50);
  }
  return clients;
}

describe('the local runtime with --data, stopped mid-stream', () => {
  const dirs: string[] = [];
  const runtimes: Runtime[] = [];
  afterAll(async () => {
    for (const rt of runtimes) if (rt.child.exitCode === null) rt.child.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it.each([
    ['kill -9', 'SIGKILL'],
    ['SIGINT', 'SIGINT'],
    ['SIGTERM', 'SIGTERM'],
  ] as const)('%s: every acknowledged message ends up in every inbox once, seqs dense, in send order', async (_name, signal) => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeim-crash-'));
    dirs.push(dir);
    const plans = plan(30);
    const first = await Runtime.start(dir);
    runtimes.push(first);
    const { next, live } = await streamUntilStopped(first, plans, 36, signal);
    const code = await first.exited;
    if (signal !== 'SIGKILL') {
      expect(code, first.output).toBe(0);
      expect(first.output).toContain('drained: every accepted message was processed');
      // the edges closed only after the drain: every connection got its acknowledged messages live (but its own sends: it has their replies)
      for (const u of USERS) {
        const owed = [...plans.values()].flat().filter((p) => p.msgId && p.owners.includes(u) && p.from !== u).map((p) => p.msgId!);
        expect(owed.filter((id) => !live.get(u)!.has(id)), `${u} missed live`).toEqual([]);
      }
    }

    const second = await Runtime.start(dir);
    runtimes.push(second);
    if (signal !== 'SIGKILL') expect(await second.queued()).toBe(0); // the stop drained everything it accepted
    // no ghost presence: the first run's connections died with it (after kill -9 nobody removed them)
    expect((await new PushApiClient(second.pushUrl).get('/v1/online/total')).body).toEqual({ connections: 0, users: 0 });
    const clients = await resendAndFinish(second, plans, next);
    const sent = [...plans.values()].flat().map((p) => ({ msgId: p.msgId!, from: p.from, conv: p.conv, owners: p.owners }));
    expect(sent.every((s) => s.msgId)).toBe(true);
    for (const u of USERS) checkInbox(u, await wholeInbox(clients.get(u)!), sent);
    await Promise.all([...clients.values()].map((c) => c.close()));
    await second.stop('SIGKILL');
  }, 90_000);
});
