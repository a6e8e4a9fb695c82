import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Meter, perUnit, type Calls } from '../../bench/cost/meter.js';
import type { LocalStack } from '../../local/stack.js';
import { EdgeImClient, wsApiTransport, type TimelineMessage, type WebSocketLike } from '../../sdk/index.js';
import { LOCAL_JWT_SECRET } from '../../shared/config.js';
import { signToken } from '../../shared/domain/auth.js';
import { startTestStack } from '../helpers/local-stack.js';
import { PushApiClient } from '../helpers/push-api-client.js';
import { sleep } from '../helpers/ws-client.js';

/**
 * What a message costs, in calls, per scenario: SDK clients with their default options
 * (acks batched and sent without a reply, keep-alive on `ping`) over the local stack, every
 * billable call counted the way the cost bench counts it (bench/cost/meter.ts: WebSocket
 * API messages at the clients, Lambda invocations, DynamoDB and SQS calls through the
 * AWS SDK middleware). Exact counts per message: a change that adds a call fails here.
 * (The ack interval is shortened so the tests run fast; what is sent is the default's.)
 */
describe('calls per message', () => {
  let stack: LocalStack;
  const meter = new Meter();
  const clients: EdgeImClient[] = [];
  /** Every action a client sent, in order. */
  const actions: string[] = [];
  const ACK_MS = 150;

  beforeAll(async () => {
    stack = await startTestStack({ env: { EDGEIM_WRITE_FANOUT_MAX: '5' }, onClient: meter.onClient, onInvoke: meter.onInvoke });
    meter.meterDelivery(stack.app.delivery);
    await stack.app.ids.next(); // the id allocator's first range: not a per-message cost
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await stack?.close();
  });

  /** The metered WebSocket, also recording each request's action. */
  function socket(): WebSocketLike {
    const Metered = meter.webSocket() as unknown as new (url: string) => { send(data: unknown): void };
    class Recording extends Metered {
      override send(data: unknown): void {
        actions.push((JSON.parse(String(data)) as { action: string }).action);
        super.send(data);
      }
    }
    return Recording as unknown as WebSocketLike;
  }

  async function device(uid: string, seen: TimelineMessage[] = [], options: { heartbeat?: number } = {}): Promise<EdgeImClient> {
    const client = new EdgeImClient({ transport: wsApiTransport({ url: stack.wsUrl, WebSocket: socket() }), token: await signToken(uid, LOCAL_JWT_SECRET), ackIntervalMs: ACK_MS, ...options });
    client.on('message', (m) => seen.push(m));
    clients.push(client);
    await client.connect();
    return client;
  }

  async function until(done: () => boolean): Promise<void> {
    for (let i = 0; i < 1000 && !done(); i++) await sleep(10);
    expect(done()).toBe(true);
  }

  /** Counts what `act` costs per message, once it settled (delivered, acks sent), over `messages` messages. */
  async function measure(messages: number, act: () => Promise<void>): Promise<{ calls: Calls; actions: string[] }> {
    await stack.drain();
    await sleep(ACK_MS * 3);
    actions.length = 0;
    meter.start();
    await act();
    await stack.drain();
    await sleep(ACK_MS * 3);
    return { calls: perUnit(meter.stop(), messages), actions: [...actions] };
  }

  const text = (m: TimelineMessage) => (m.message.body as { text: string }).text;

  it('1:1 to a recipient with two devices: no echo, no read before the append, no ack reply, no sync to close the sender’s own gap', async () => {
    const got: TimelineMessage[] = [];
    const mine: TimelineMessage[] = [];
    const alice = await device('cc-alice', mine);
    const bob = await device('cc-bob', got);
    await device('cc-bob', got);
    const { calls, actions: sent } = await measure(3, async () => {
      for (let i = 0; i < 3; i++) {
        await alice.send({ user: 'cc-bob' }, { text: `m${i}` });
        await until(() => got.filter((m) => text(m) === `m${i}`).length === 2);
        await sleep(ACK_MS * 3); // chat-paced: each message acked on its own
      }
    });
    // per message: the send and its reply; one push to each of bob's devices (none back to alice); one delivered ack per device, answered by nothing
    expect(calls.apigwMessagesIn).toBe(3);
    expect(calls.apigwMessagesOut).toBe(3);
    expect(sent.filter((a) => a !== 'send' && a !== 'ack')).toEqual([]);
    expect(calls.lambdaInvocations).toEqual({ $default: 3, 'fanout-job': 1 });
    // sender log; per inbox one write takes the seq, one stores the message (no read); one connection look-up per inbox;
    // each ack one write at most (bob's second device acks the same pointer: skipped when its process knows it is stored)
    const { UpdateItem, ...rest } = calls.dynamoCalls;
    expect(rest).toEqual({ PutItem: 3, Query: 2 });
    expect(UpdateItem).toBeGreaterThanOrEqual(2 + 1);
    expect(UpdateItem).toBeLessThanOrEqual(2 + 2);
    expect(calls.dynamoWru).toBeLessThanOrEqual(3 + 2 + 2);
    expect(calls.sqsRequests).toBe(3); // SendMessage, and the event source's receive and delete

    // bob answers: alice's client closes the gap her own sends left from the `own` hint, without a sync
    const { actions: after } = await measure(1, async () => {
      await bob.send({ user: 'cc-alice' }, { text: 'answer' });
      await until(() => mine.some((m) => text(m) === 'answer'));
    });
    expect(mine.map(text)).toEqual(['answer']);
    expect(after).not.toContain('sync');
  });

  it('a group of 5 (write fan-out): every inbox appended without a read, members read once, no acks for group messages', async () => {
    const members = ['cc-g0', 'cc-g1', 'cc-g2', 'cc-g3', 'cc-g4'];
    await new PushApiClient(stack.pushUrl).post('/v1/groups', { group: 'cc-five', owner: members[0], members });
    const got: TimelineMessage[] = [];
    const devices: EdgeImClient[] = [];
    for (const uid of members) devices.push(await device(uid, got));
    const { calls, actions: sent } = await measure(2, async () => {
      for (let i = 0; i < 2; i++) {
        await devices[0]!.send({ group: 'cc-five' }, { text: `g${i}` });
        await until(() => got.filter((m) => text(m) === `g${i}`).length === 4);
      }
    });
    expect(sent).toEqual(['send', 'send']);
    expect(calls.apigwMessagesIn).toBe(1);
    expect(calls.apigwMessagesOut).toBe(1 + 4);
    expect(calls.lambdaInvocations).toEqual({ $default: 1, 'fanout-job': 1 });
    // send: the membership check and the group item (which group of that id: its createdAt goes with the job), the
    // sender log; job: the roster once, per member an append (2 writes) and a look-up
    expect(calls.dynamoCalls).toEqual({ GetItem: 2, PutItem: 1 + 5, UpdateItem: 5, Query: 1 + 5 });
  });

  it('a large group: the message itself pushed to online members (no notify, no sync), stored once', async () => {
    const members = Array.from({ length: 6 }, (_, i) => `cc-l${i}`);
    await new PushApiClient(stack.pushUrl).post('/v1/groups', { group: 'cc-large', owner: members[0], members });
    const got: TimelineMessage[] = [];
    const devices: EdgeImClient[] = [];
    for (const uid of members) devices.push(await device(uid, got));
    const { calls, actions: sent } = await measure(2, async () => {
      for (let i = 0; i < 2; i++) {
        await devices[1]!.send({ group: 'cc-large' }, { text: `l${i}` });
        await until(() => got.filter((m) => text(m) === `l${i}`).length === 5);
      }
    });
    expect(sent).toEqual(['send', 'send']); // nobody pulls
    expect(calls.apigwMessagesOut).toBe(1 + 6); // the reply, and the message to every member's connection (the sender's too, with its seq)
    expect(calls.dynamoCalls).toEqual({ GetItem: 2, PutItem: 2, UpdateItem: 1, Query: 1 + 6 });
  });

  it('a job batch reads a group’s members and each member’s connections once, however many of its messages it holds', async () => {
    const got: TimelineMessage[] = [];
    const members = ['cc-b0', 'cc-b1', 'cc-b2'];
    await new PushApiClient(stack.pushUrl).post('/v1/groups', { group: 'cc-batch', owner: members[0], members });
    const devices: EdgeImClient[] = [];
    for (const uid of members) devices.push(await device(uid, got));
    const { calls } = await measure(6, async () => {
      stack.poller.pause();
      for (let i = 0; i < 6; i++) await devices[i % 3]!.send({ group: 'cc-batch' }, { text: `b${i}` });
      stack.poller.resume();
      await until(() => got.filter((m) => text(m).startsWith('b')).length === 12);
    });
    const batches = calls.lambdaInvocations['fanout-job']! * 6;
    // per batch: the members once and one look-up per member
    expect(calls.dynamoCalls.Query! * 6).toBe(batches * (1 + 3));
  });

  it('keep-alive costs no Lambda and no DynamoDB: a ping, and the pong API Gateway answers itself', async () => {
    await device('cc-idle', [], { heartbeat: 100 });
    const { calls, actions: sent } = await measure(1, async () => void (await sleep(600)));
    expect(sent.length).toBeGreaterThan(2);
    expect(new Set(sent)).toEqual(new Set(['ping']));
    expect(calls.apigwMessagesOut).toBeGreaterThanOrEqual(calls.apigwMessagesIn - 1); // the last pong may still be on its way
    expect(calls.apigwMessagesOut).toBeLessThanOrEqual(calls.apigwMessagesIn);
    expect(calls.lambdaInvocations).toEqual({});
    expect(calls.dynamoCalls).toEqual({});
  });

  it('presence totals and push-to-all read the session partitions, never Scan the table', async () => {
    const api = new PushApiClient(stack.pushUrl);
    const { calls } = await measure(1, async () => {
      expect((await api.get('/v1/online/total')).status).toBe(200);
      expect((await api.goim('GET', '/online/total')).status).toBe(200);
      expect((await api.post('/v1/push', { op: 1000, body: 'all', to: { all: true } })).status).toBe(202);
    });
    expect(calls.dynamoCalls.Scan).toBeUndefined();
    expect(calls.dynamoCalls.Query).toBeGreaterThan(0);
  });
});
