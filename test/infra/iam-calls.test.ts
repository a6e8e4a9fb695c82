import { AsyncLocalStorage } from 'node:async_hooks';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizer } from '../../functions/authorizer.js';
import { createConnectHandler } from '../../functions/connect.js';
import { createDefaultHandler } from '../../functions/default.js';
import { createDisconnectHandler } from '../../functions/disconnect.js';
import { createFanoutJob } from '../../functions/fanout-job.js';
import { createHeartbeatHandler } from '../../functions/heartbeat.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import type { Role } from '../../infra/environment.js';
import type { LocalStack } from '../../local/stack.js';
import { SqsPoller } from '../../local/sqs-poller.js';
import { EdgeImClient, goimWsTransport, wsApiTransport, type TimelineMessage, type Transport, type WebSocketLike } from '../../sdk/index.js';
import { goimTcpTransport } from '../../sdk/tcp.js';
import type { ClientHook } from '../../shared/aws/clients.js';
import { createSqsClient } from '../../shared/aws/sqs-client.js';
import { LOCAL_API_KEY, LOCAL_JWT_SECRET } from '../../shared/config.js';
import { signToken } from '../../shared/domain/auth.js';
import { createPushApi } from '../../shared/push-api/app.js';
import { startTestStack } from '../helpers/local-stack.js';
import { synth } from './fixture.js';

/**
 * Every role can make every AWS call its code makes: each handler (and the gateway) runs
 * on the local stack under its role's name, an SDK middleware records every AWS command
 * with the role that made it, and each (role, action, resource) must be granted by that
 * role's policy in the synthesized template. Settings that name a secret or topic imply
 * the read or publish the code does through clients the middleware cannot see.
 */

type Json = any;
interface Call {
  role: Role | undefined;
  client: string;
  command: string;
  input: Record<string, Json>;
  /** The management endpoint an ApiGatewayManagementApi call went to. */
  endpoint?: string;
}

const roleOf = new AsyncLocalStorage<Role>();
const calls: Call[] = [];
/** Calls to a gateway task's internal API that bypass the AWS SDK (`fetch`): they need network reach, not IAM. */
const internalCalls: { role: Role | undefined; url: string }[] = [];
const as =
  <A extends unknown[], R>(role: Role, fn: (...args: A) => R) =>
  (...args: A): R =>
    roleOf.run(role, () => fn(...args));

const record: ClientHook = (client) => {
  const c = client as unknown as { config?: { endpoint?: () => Promise<{ protocol: string; hostname: string; port?: number; path: string }> } };
  client.middlewareStack.add(
    (next: (a: unknown) => Promise<unknown>, ctx: { clientName?: string; commandName?: string }) => async (args: { input?: Record<string, Json> }) => {
      const call: Call = { role: roleOf.getStore(), client: ctx.clientName ?? '', command: (ctx.commandName ?? '').replace(/Command$/, ''), input: args.input ?? {} };
      if (call.client === 'ApiGatewayManagementApiClient' && c.config?.endpoint) {
        const e = await c.config.endpoint();
        call.endpoint = `${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ''}${e.path.replace(/\/$/, '')}`;
      }
      calls.push(call);
      return next(args);
    },
    { step: 'initialize', name: 'iamCallRecorder' },
  );
};

// Prepare: the default stack's template, and a local stack whose every handler runs under its role.
const { stack: cdk, template } = synth();
const resources = template.toJSON().Resources as Record<string, Json>;
const logicalId = (path: string) => cdk.resolve((cdk.node.findAll().find((c) => c.node.path === `${cdk.node.id}/${path}`) as Json).logicalId) as string;
const FUNCTION_PATHS: Record<Exclude<Role, 'gateway'>, string> = {
  authorizer: 'AuthorizerFunction/Function/Resource',
  connect: 'ConnectFunction/Function/Resource',
  disconnect: 'DisconnectFunction/Function/Resource',
  default: 'DefaultFunction/Function/Resource',
  heartbeat: 'HeartbeatFunction/Function/Resource',
  'fanout-job': 'FanoutJobFunction/Function/Resource',
  'push-api': 'PushApiFunction/Function/Resource',
};

let local: LocalStack;
let gateway: RunningGateway;
let poller: SqsPoller;
const clients: EdgeImClient[] = [];

const realFetch = globalThis.fetch;
beforeAll(async () => {
  globalThis.fetch = (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (gateway && url.startsWith(gateway.endpoint)) internalCalls.push({ role: roleOf.getStore(), url });
    return realFetch(input, init);
  };
  local = await startTestStack({ onClient: record });
  const getApp = () => Promise.resolve(local.app);
  local.emulator.setRoutes({
    authorizer: as('authorizer', createAuthorizer(getApp)),
    routes: {
      $connect: as('connect', createConnectHandler(getApp)),
      $disconnect: as('disconnect', createDisconnectHandler(getApp)),
      $default: as('default', createDefaultHandler(getApp)),
      heartbeat: as('heartbeat', createHeartbeatHandler(getApp)),
    },
  });
  // The job under its role: the stack's own poller steps aside for one that wraps the handler.
  await local.poller.stop();
  poller = new SqsPoller(createSqsClient(local.config), as('fanout-job', createFanoutJob(getApp)), {
    queueUrl: local.config.EDGEIM_QUEUE_URL,
    queueArn: 'arn:aws:sqs:us-east-1:000000000000:edgeim-jobs.fifo',
    region: local.config.AWS_REGION,
    concurrency: 4,
    waitTimeSeconds: 0,
    visibilityTimeout: 1,
  });
  poller.start();
  // A gateway whose every entry point (packets, closed sockets, session removals) runs under the gateway role.
  gateway = await startGateway(local.app, { host: '127.0.0.1', tcpPort: 0, wsPort: 0, httpPort: 0 });
  const gw = gateway.gateway as unknown as Record<'onPacket' | 'onTransportClosed' | 'removeSession' | 'close', (...a: unknown[]) => unknown>;
  for (const entry of ['onPacket', 'onTransportClosed', 'removeSession', 'close'] as const) gw[entry] = as('gateway', gw[entry].bind(gw));
}, 60_000);

afterAll(async () => {
  globalThis.fetch = realFetch;
  for (const c of clients) c.close();
  await gateway?.close();
  await poller?.stop();
  await local?.close();
});

async function client(uid: string, transport: Transport) {
  const c = new EdgeImClient({ transport, token: await signToken(uid, LOCAL_JWT_SECRET), ackIntervalMs: 50, backoff: { baseMs: 100, maxMs: 500 } });
  clients.push(c);
  const messages: TimelineMessage[] = [];
  const pushes: unknown[] = [];
  c.on('message', (m) => messages.push(m));
  c.on('push', (p) => pushes.push(p.body));
  await c.connect();
  return { c, messages, pushes };
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The push API as the Lambda runs it, under its role. */
async function pushApi(method: string, path: string, body?: unknown): Promise<number> {
  const app = createPushApi({ deps: () => Promise.resolve(local.app) });
  const headers: Record<string, string> = { authorization: `Bearer ${LOCAL_API_KEY}`, 'content-type': 'application/json', 'idempotency-key': `k-${calls.length}-${path.length}` };
  const res = await roleOf.run('push-api', () => app.request(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));
  await res.arrayBuffer();
  return res.status;
}

const NodeWs = WebSocket as unknown as WebSocketLike;

describe('IAM: every role may make every AWS call its code makes', () => {
  it('drives every handler and the gateway through their paths, then checks each call against the role\'s policy', async () => {
    // Act: clients on the WebSocket API (alice, bob) and on the gateway over TCP and WebSocket (carol, dave).
    const alice = await client('iam-alice', wsApiTransport({ url: local.wsUrl, WebSocket: NodeWs }));
    const bob = await client('iam-bob', wsApiTransport({ url: local.wsUrl, WebSocket: NodeWs }));
    const carol = await client('iam-carol', goimTcpTransport({ host: '127.0.0.1', port: gateway.ports.tcp, accepts: [1000] }));
    const dave = await client('iam-dave', goimWsTransport({ url: gateway.wsUrl, WebSocket: NodeWs, accepts: [1000] }));

    const toBob = await alice.c.send({ user: 'iam-bob' }, { text: '1:1' });
    const toAlice = await carol.c.send({ user: 'iam-alice' }, { text: 'from the gateway' });
    await until(() => bob.messages.some((m) => m.message.id === toBob.msgId) && alice.messages.some((m) => m.message.id === toAlice.msgId), '1:1 delivery');

    await alice.c.createGroup({ group: 'iam-group', members: ['iam-bob', 'iam-carol'] });
    await alice.c.addMembers('iam-group', ['iam-erin']);
    await alice.c.removeMembers('iam-group', ['iam-erin']);
    await alice.c.groups();
    const inGroup = await alice.c.send({ group: 'iam-group' }, { text: 'group' });
    await until(() => carol.messages.some((m) => m.message.id === inGroup.msgId), 'group delivery to the gateway');

    await Promise.all([alice.c.join('iam-room'), carol.c.join('iam-room'), dave.c.join('iam-room')]);
    const inRoom = await alice.c.send({ room: 'iam-room' }, { text: 'room' });
    await until(() => dave.messages.some((m) => m.message.id === inRoom.msgId), 'room delivery through the gateway');
    await alice.c.request('heartbeat');
    await carol.c.request('heartbeat');
    await Promise.all([alice.c.sync(), carol.c.sync()]);
    await alice.c.send({ user: 'iam-nobody' }, { text: 'offline' });

    // The push API: stored messages, transient pushes (users, room, everyone in pages), groups, presence, goim routes.
    expect(await pushApi('POST', '/v1/messages', { to: { user: 'iam-bob' }, body: { text: 'from a backend' } })).toBe(202);
    expect(await pushApi('POST', '/v1/push', { op: 1000, to: { users: ['iam-alice', 'iam-carol'] }, body: { n: 1 } })).toBeLessThan(300);
    expect(await pushApi('POST', '/v1/push', { op: 1000, to: { room: 'iam-room' }, body: { n: 2 } })).toBeLessThan(300);
    // Four connections at two per page: the job delivers page 0 and enqueues page 1 itself.
    expect(await pushApi('POST', '/v1/push', { op: 1000, to: { all: true }, speed: 2, body: { n: 3 } })).toBeLessThan(300);
    for (const [method, path, body] of [
      ['POST', '/v1/groups', { group: 'iam-api-group', owner: 'iam-alice', members: ['iam-bob'] }],
      ['GET', '/v1/groups/iam-api-group'],
      ['POST', '/v1/groups/iam-api-group/members', { members: ['iam-carol'] }],
      ['DELETE', '/v1/groups/iam-api-group/members/iam-carol'],
      ['GET', '/v1/users/iam-alice/groups'],
      ['GET', '/v1/users/iam-alice/presence'],
      ['GET', '/v1/users/iam-bob/timeline'],
      ['GET', '/v1/rooms/iam-room/online'],
      ['GET', '/v1/online/total'],
      ['DELETE', '/v1/groups/iam-api-group'],
      ['POST', '/goim/push/mids?operation=1000&mids=iam-alice', { x: 1 }],
      ['GET', '/goim/online/top?type=live&limit=5'],
    ] as [string, string, unknown?][]) {
      expect(await pushApi(method, path, body), `${method} ${path}`).toBeLessThan(500);
    }
    await until(() => alice.pushes.length >= 2 && carol.pushes.length >= 2 && dave.pushes.length >= 2, 'pushes, push-all included');
    await alice.c.deleteGroup('iam-group');
    await Promise.all([alice.c.leave('iam-room'), carol.c.leave('iam-room')]);
    for (const c of [bob.c, carol.c]) c.close();
    await until(() => calls.some((c) => c.role === 'disconnect') && calls.some((c) => c.role === 'gateway' && /Delete|BatchWrite/.test(c.command)), 'disconnects');
    expect(await poller.drain(15_000)).toBe(true);

    // Assess: every call was made by a known role, each role was exercised, the push-all page was re-enqueued by the job.
    expect(calls.filter((c) => c.role === undefined).map((c) => `${c.client}.${c.command}`)).toEqual([]);
    expect(internalCalls.filter((c) => c.role === undefined)).toEqual([]);
    expect(internalCalls.some((c) => c.role === 'fanout-job')).toBe(true);
    // (The authorizer makes no SDK call here: locally its secret is a setting; its Secrets Manager read is checked from its settings.)
    const exercised = new Set(calls.map((c) => c.role));
    for (const role of ['connect', 'disconnect', 'default', 'heartbeat', 'fanout-job', 'push-api', 'gateway'] as const) expect(exercised.has(role), role).toBe(true);
    expect(calls.some((c) => c.role === 'fanout-job' && c.command === 'SendMessage')).toBe(true);

    const missing = [...new Set(requiredGrants().filter((g) => !granted(g)).map((g) => `${g.role}: ${g.action} on ${g.resource}`))];
    expect(missing).toEqual([]);
  }, 120_000);

  it('would catch a missing grant: the job\'s policy without its sqs:SendMessage statement fails the check', () => {
    const needed = requiredGrants().filter((g) => g.role === 'fanout-job' && g.action === 'sqs:SendMessage');
    expect(needed.length).toBeGreaterThan(0);
    expect(needed.every((g) => granted(g))).toBe(true);
    expect(needed.some((g) => granted(g, (s) => !actionsOf(s).includes('sqs:SendMessage')))).toBe(false);
  });
});

interface Grant {
  role: Role;
  action: string;
  /** A logical id, or `ws-api` for this WebSocket API's connections. */
  resource: string;
}

const TABLES = (): Record<string, string> => ({
  [local.config.EDGEIM_SESSIONS_TABLE]: 'Sessions',
  [local.config.EDGEIM_TIMELINES_TABLE]: 'Timelines',
  [local.config.EDGEIM_GROUPS_TABLE]: 'Groups',
  [local.config.EDGEIM_IDS_TABLE]: 'Ids',
});

/** Grants the recorded calls and the roles' settings need. */
function requiredGrants(): Grant[] {
  const grants: Grant[] = [];
  for (const c of calls) {
    if (!c.role) continue;
    if (c.client === 'DynamoDBClient') {
      const names = c.input.TableName ? [c.input.TableName as string] : Object.keys(c.input.RequestItems ?? {});
      for (const name of names) grants.push({ role: c.role, action: `dynamodb:${c.command}`, resource: logicalId(`Storage/${TABLES()[name]}/Resource`) });
    } else if (c.client === 'SQSClient') {
      expect(c.input.QueueUrl).toBe(local.config.EDGEIM_QUEUE_URL);
      grants.push({ role: c.role, action: `sqs:${c.command === 'SendMessageBatch' ? 'SendMessage' : c.command}`, resource: logicalId('Fanout/Queue/Resource') });
    } else if (c.client === 'ApiGatewayManagementApiClient') {
      // The WebSocket API's @connections needs IAM; a gateway task's needs its security group instead.
      if (c.endpoint === local.config.EDGEIM_WS_MANAGEMENT_ENDPOINT) grants.push({ role: c.role, action: 'execute-api:ManageConnections', resource: 'ws-api' });
      else grants.push({ role: c.role, action: 'network:internal-api', resource: 'gateway-tasks' });
    } else {
      grants.push({ role: c.role, action: `${c.client}:${c.command}`, resource: 'unmapped' });
    }
  }
  for (const c of internalCalls) if (c.role) grants.push({ role: c.role, action: 'network:internal-api', resource: 'gateway-tasks' });
  // Calls through clients the middleware does not see (Powertools' secret reads, the SNS notifier when configured).
  for (const role of Object.keys(FUNCTION_PATHS) as (keyof typeof FUNCTION_PATHS)[]) {
    const env = resources[logicalId(FUNCTION_PATHS[role])].Properties.Environment.Variables as Record<string, Json>;
    grants.push(...settingGrants(role, env));
  }
  const container = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0]!.Properties.ContainerDefinitions[0];
  grants.push(...settingGrants('gateway', Object.fromEntries(container.Environment.map((e: Json) => [e.Name, e.Value]))));
  return grants;
}

function settingGrants(role: Role, env: Record<string, Json>): Grant[] {
  const out: Grant[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (/_SECRET_ARN$/.test(name)) out.push({ role, action: 'secretsmanager:GetSecretValue', resource: value.Ref });
    if (name === 'EDGEIM_OFFLINE_TOPIC_ARN') out.push({ role, action: 'sns:Publish', resource: value.Ref });
  }
  return out;
}

const actionsOf = (s: Json): string[] => [s.Action].flat();

function roleLogicalId(role: Role): string {
  if (role === 'gateway') return Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0]!.Properties.TaskRoleArn['Fn::GetAtt'][0];
  return resources[logicalId(FUNCTION_PATHS[role])].Properties.Role['Fn::GetAtt'][0];
}

function roleStatements(role: Role): Json[] {
  const id = roleLogicalId(role);
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((ref: Json) => ref.Ref === id))
    .flatMap((r) => r.Properties.PolicyDocument.Statement);
}

/** Whether the role's policy allows the grant (optionally only through statements passing `keep`). */
function granted(g: Grant, keep: (s: Json) => boolean = () => true): boolean {
  if (g.resource === 'unmapped') return false;
  if (g.action === 'network:internal-api') return reachesInternalApi(g.role);
  return roleStatements(g.role)
    .filter(keep)
    .some((s) => {
      if (s.Effect !== 'Allow' || !actionsOf(s).includes(g.action)) return false;
      const res = JSON.stringify(s.Resource);
      return g.resource === 'ws-api' ? res.includes(logicalId('WebSocketApi/Api/Resource')) && res.includes('@connections') : res.includes(`"${g.resource}"`);
    });
}

/** A role that calls a gateway task's internal API must sit in a security group the tasks admit on 3180. */
function reachesInternalApi(role: Role): boolean {
  if (role === 'gateway') return false;
  const groups = (resources[logicalId(FUNCTION_PATHS[role])].Properties.VpcConfig?.SecurityGroupIds ?? []).map((g: Json) => g['Fn::GetAtt'][0]);
  const task = logicalId('TcpGateway/TaskSecurityGroup/Resource');
  return Object.values(resources).some(
    (r) => r.Type === 'AWS::EC2::SecurityGroupIngress' && r.Properties.FromPort === 3180 && r.Properties.GroupId['Fn::GetAtt'][0] === task && groups.includes(r.Properties.SourceSecurityGroupId?.['Fn::GetAtt']?.[0]),
  );
}
