import { describe, expect, it } from 'vitest';
import { deliver as send, type DeliverOptions } from '../../shared/domain/deliver.js';
import { DeliveryPlan } from '../../shared/domain/delivery-plan.js';
import { DeliveryRejectedError, EndpointUnreachableError, type Delivery } from '../../shared/domain/ports/delivery.js';
import { encodeBatch, packFrames, type PushableFrame } from '../../shared/protocol/frames.js';

const ref = (id: string) => ({ connectionId: id, uid: 'u', endpoint: 'e', kind: 'apigw' as const });
const push = (n: number, size = 10): PushableFrame => ({ type: 'push', op: 1000, body: 'x'.repeat(size) + n });

class Recorder implements Delivery {
  posts: { id: string; data: string }[] = [];
  constructor(private readonly outcome: (id: string, data: string) => 'ok' | 'gone' | Error = () => 'ok') {}
  async post(_e: string, id: string, data: string) {
    const result = this.outcome(id, data);
    if (result instanceof Error) throw result;
    if (result === 'ok') this.posts.push({ id, data });
    return result;
  }
  async disconnect() {}
  async postBatch(): Promise<{ gone: string[] }> {
    throw new Error('no gateway connections here');
  }
  async postRoom(): Promise<void> {
    throw new Error('no gateway connections here');
  }
}

/** Plans `plan`'s calls for payloads of at most `maxBytes` and sends them. */
const deliver = (plan: DeliveryPlan, delivery: Delivery, concurrency: number, maxBytes: number, onError?: DeliverOptions['onError']) =>
  send(delivery, plan.lanes(maxBytes), { concurrency, ...(onError ? { onError } : {}) });

describe('DeliveryPlan', () => {
  it('merges frames for one connection into batch frames under the size cap, in order', async () => {
    const plan = new DeliveryPlan();
    for (let i = 0; i < 10; i++) plan.add(ref('a'), push(i, 300), i);
    plan.add(ref('b'), push(99), 0);
    const rec = new Recorder();
    const result = await deliver(plan, rec, 4, 1024);
    const toA = rec.posts.filter((p) => p.id === 'a').map((p) => JSON.parse(p.data));
    expect(toA.length).toBeGreaterThan(1);
    expect(rec.posts.every((p) => Buffer.byteLength(p.data) <= 1024)).toBe(true);
    const bodies = toA.flatMap((f) => (f.type === 'batch' ? f.frames : [f])).map((f: any) => f.body);
    expect(bodies).toEqual(Array.from({ length: 10 }, (_, i) => 'x'.repeat(300) + i));
    expect(JSON.parse(rec.posts.find((p) => p.id === 'b')!.data)).toEqual(push(99)); // single frame: not wrapped
    expect(result).toEqual({ gone: [], rejected: 0, unreachable: [], posts: rec.posts.length });
  });

  it('keeps one notify per timeline per connection, with the newest seq', async () => {
    const plan = new DeliveryPlan();
    plan.add(ref('a'), { type: 'notify', timeline: 'group:g', seq: 1 }, 0);
    plan.add(ref('a'), { type: 'notify', timeline: 'group:g', seq: 2 }, 1);
    const rec = new Recorder();
    await deliver(plan, rec, 1, 32_768);
    expect(JSON.parse(rec.posts[0]!.data)).toEqual({ type: 'notify', timeline: 'group:g', seq: 2 });
  });

  it('reports the earliest record of a failed post and stops that connection; reports gone connections', async () => {
    const plan = new DeliveryPlan();
    plan.add(ref('a'), push(1, 600), 3);
    plan.add(ref('a'), push(2, 600), 5);
    plan.add(ref('b'), push(3), 1);
    plan.add(ref('c'), push(4), 0);
    const rec = new Recorder((id, data) => (id === 'a' && data.includes('x1') ? new Error('boom') : id === 'c' ? 'gone' : 'ok'));
    const result = await deliver(plan, rec, 2, 1024);
    expect(result.failedFrom).toBe(3);
    expect(result.gone.map((r) => r.connectionId)).toEqual(['c']);
    expect(rec.posts.map((p) => p.id)).toEqual(['b']); // a's second chunk must not overtake the failed first
  });

  it('reaches gateway connections with one @batch call per task and rooms with one @rooms call per task', async () => {
    const gw = (id: string, endpoint: string) => ({ connectionId: id, uid: 'u', endpoint, kind: 'gateway' as const });
    const calls: string[] = [];
    const delivery: Delivery = {
      post: async (_e, id) => (calls.push(`post ${id}`), 'ok'),
      disconnect: async () => undefined,
      postBatch: async (endpoint, items) => (calls.push(`batch ${endpoint} ${items.map((i) => i.connectionId).join(',')}`), { gone: items.some((i) => i.connectionId === 'g3') ? ['g3'] : [] }),
      postRoom: async (endpoint, rid, _data, except) => void calls.push(`room ${endpoint} ${rid} except=${except}`),
    };
    const plan = new DeliveryPlan();
    plan.add(gw('g1', 'http://task-a'), push(1), 0);
    plan.add(gw('g2', 'http://task-a'), push(2), 0);
    plan.add(gw('g3', 'http://task-b'), push(3), 1);
    plan.add(ref('apigw-1'), push(4), 1);
    plan.addRoomBroadcast({ endpoint: 'http://task-a', rid: 'lobby', frame: push(5), record: 2, except: 'g1', members: [] });
    const result = await deliver(plan, delivery, 4, 32_768);
    expect(calls.sort()).toEqual(['batch http://task-a g1,g2', 'batch http://task-b g3', 'post apigw-1', 'room http://task-a lobby except=g1']);
    expect(result.gone.map((r) => r.connectionId)).toEqual(['g3']);
    expect(result.failedFrom).toBeUndefined();
  });

  it('skips a frame refused for good (4xx) without failing its record; later frames to the connection still go', async () => {
    const plan = new DeliveryPlan();
    plan.add(ref('a'), push(1, 600), 0);
    plan.add(ref('a'), push(2, 600), 1);
    const outcomes: string[] = [];
    const rec = new Recorder((_id, data) => (data.includes('x1') ? new DeliveryRejectedError(413, 'payload too large') : 'ok'));
    const result = await deliver(plan, rec, 1, 1024, (_e, _r, outcome) => outcomes.push(outcome));
    expect(result.failedFrom).toBeUndefined();
    expect(result.rejected).toBe(1);
    expect(outcomes).toEqual(['skipped']);
    expect(rec.posts.map((p) => JSON.parse(p.data).body)).toEqual(['x'.repeat(600) + 2]);
  });

  it('treats an unreachable gateway task as gone for all its connections (batch and room) and fails nothing', async () => {
    const gw = (id: string, endpoint: string) => ({ connectionId: id, uid: 'u', endpoint, kind: 'gateway' as const });
    const dead = 'http://10.0.0.9:3180';
    const delivery: Delivery = {
      post: async () => 'ok',
      disconnect: async () => undefined,
      postBatch: async (endpoint) => {
        if (endpoint === dead) throw new EndpointUnreachableError(endpoint, 'refused');
        return { gone: [] };
      },
      postRoom: async (endpoint) => {
        if (endpoint === dead) throw new EndpointUnreachableError(endpoint, 'timed out');
      },
    };
    const plan = new DeliveryPlan();
    plan.add(gw('d1', dead), push(1), 0);
    plan.add(gw('d2', dead), push(2), 1);
    plan.add(gw('ok1', 'http://live'), push(3), 0);
    plan.addRoomBroadcast({ endpoint: dead, rid: 'lobby', frame: push(4), record: 2, members: [gw('d3', dead)] });
    const result = await deliver(plan, delivery, 4, 32_768);
    expect(result.failedFrom).toBeUndefined();
    expect(result.unreachable).toEqual([dead]);
    expect(result.gone.map((r) => r.connectionId).sort()).toEqual(['d1', 'd2', 'd3']);
  });

  it('retries an unreachable API Gateway endpoint instead (it is never dead)', async () => {
    const plan = new DeliveryPlan();
    plan.add(ref('a'), push(1), 4);
    const rec = new Recorder(() => new EndpointUnreachableError('e', 'timed out'));
    const result = await deliver(plan, rec, 1, 1024);
    expect(result.failedFrom).toBe(4);
    expect(result.gone).toEqual([]);
  });

  it('plans its calls without sending anything: one lane per API Gateway connection, per gateway task, per task broadcasting', () => {
    const gw = (id: string) => ({ connectionId: id, uid: 'u', endpoint: 'http://task-a', kind: 'gateway' as const });
    const plan = new DeliveryPlan();
    plan.add(ref('a'), push(1), 0);
    plan.add(gw('g1'), push(2), 1);
    plan.add(gw('g2'), push(3), 1);
    plan.addRoomBroadcast({ endpoint: 'http://task-a', rid: 'lobby', frame: push(4), record: 2, except: 'g1', members: [gw('g2')] });
    const lanes = plan.lanes(32_768);
    expect(lanes.map((lane) => lane.map((c) => c.kind))).toEqual([['post'], ['batch'], ['room']]);
    const [post, batch, room] = lanes.map((lane) => lane[0]!);
    expect(post).toMatchObject({ kind: 'post', data: JSON.stringify(push(1)), records: [0] });
    expect(batch).toMatchObject({ kind: 'batch', endpoint: 'http://task-a', items: [{ connectionId: 'g1', data: JSON.stringify(push(2)) }, { connectionId: 'g2', data: JSON.stringify(push(3)) }], records: [1, 1] });
    expect(room).toMatchObject({ kind: 'room', rid: 'lobby', except: 'g1', data: JSON.stringify(push(4)), records: [2], held: [gw('g2')] });
  });

  it("splits a gateway task's connections over several @batch calls when one body would pass 1 MiB", () => {
    const gw = (id: string) => ({ connectionId: id, uid: 'u', endpoint: 'http://task-a', kind: 'gateway' as const });
    const plan = new DeliveryPlan();
    for (let i = 0; i < 3; i++) plan.add(gw(`g${i}`), push(i, 400 * 1024), i);
    const [lane] = plan.lanes(32_768);
    expect(lane!.map((c) => (c.kind === 'batch' ? c.items.map((item) => item.connectionId) : []))).toEqual([['g0', 'g1'], ['g2']]);
  });
});

describe('packFrames', () => {
  it('packs frames in order into batch frames of at most maxBytes; one frame goes unwrapped', () => {
    const frames = Array.from({ length: 5 }, (_, i) => push(i, 250));
    const packed = packFrames(frames, 1024);
    expect(packed.map((p) => p.count)).toEqual([3, 2]);
    expect(packed[0]!.payload).toBe(encodeBatch(frames.slice(0, 3).map((f) => JSON.stringify(f))));
    expect(JSON.parse(packed[1]!.payload)).toEqual({ type: 'batch', frames: frames.slice(3) });
    expect(packed.every((p) => Buffer.byteLength(p.payload) <= 1024)).toBe(true);
    expect(packFrames([push(9, 2000)], 1024)).toEqual([{ payload: JSON.stringify(push(9, 2000)), count: 1 }]);
  });
});
