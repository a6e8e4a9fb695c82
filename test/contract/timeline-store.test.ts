import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoTimelineStore } from '../../shared/aws/dynamo-timeline-store.js';
import type { TimelineStore } from '../../shared/domain/ports/timeline-store.js';
import type { Message } from '../../shared/protocol/frames.js';
import { MemoryTimelineStore } from '../../shared/memory/memory-timeline-store.js';
import { useDynaliteTimelines } from '../helpers/dynalite.js';
import { memoryAndDynamo, useImplementation } from './implementations.js';

const NOW = 1_800_000_000_000;
const LATER = NOW / 1000 + 3600;
const msg = (id: string, body: unknown = id): Message => ({ id, conv: 'u:a:b', from: 'a', to: { user: 'b' }, body, cmid: `c-${id}`, sentAt: NOW });

const implementations = memoryAndDynamo<TimelineStore>(
  () => new MemoryTimelineStore(),
  (d) => new DynamoTimelineStore(d.db, d.config.EDGEIM_TIMELINES_TABLE),
);

/** The TimelineStore contract (shared/domain/ports/timeline-store.ts), run against every implementation. */
describe.each(implementations)('TimelineStore contract: $name', (impl) => {
  let store: TimelineStore;
  useImplementation(impl, (o) => (store = o.store));

  it('appends at dense seqs and reads after a seq, paged, with the head', async () => {
    for (const id of ['1', '2', '3']) await store.append('user:b', msg(id), LATER);
    const all = await store.read('user:b', 0, 10, NOW);
    expect(all.head).toBe(3);
    expect(all.entries.map((e) => [e.seq, e.message.id])).toEqual([[1, '1'], [2, '2'], [3, '3']]);
    expect((await store.read('user:b', 1, 1, NOW)).entries.map((e) => e.seq)).toEqual([2]);
    expect(await store.head('user:empty')).toBe(0);
  });

  it('gives a message one seq however often (and however concurrently) it is appended', async () => {
    const [a, b] = await Promise.all([store.append('user:c', msg('9'), LATER), store.append('user:c', msg('9'), LATER)]);
    expect(await store.append('user:c', msg('9'), LATER)).toEqual({ seq: a.seq, fresh: false });
    expect(a.seq).toBe(b.seq);
    expect([a.fresh, b.fresh].filter(Boolean).length).toBeLessThanOrEqual(1);
    const page = await store.read('user:c', 0, 10, NOW);
    expect(page.entries.map((e) => e.message.id)).toEqual(['9']);
    expect(page.head).toBe(1); // no hole, no duplicate
  });

  it('says whether an append stored the message', async () => {
    expect(await store.append('user:f', msg('20'), LATER)).toEqual({ seq: 1, fresh: true });
    expect(await store.append('user:f', msg('20'), LATER)).toEqual({ seq: 1, fresh: false });
    expect(await store.append('user:f', msg('21'), LATER)).toEqual({ seq: 2, fresh: true });
  });

  it('round-trips any JSON body exactly', async () => {
    const body = { big: 1e300, tiny: -5e-324, empty: {}, list: [null, '', [], { a: [1.5] }], text: 'ünïcødé ✓' };
    const { seq } = await store.append('user:d', msg('j', body), LATER);
    expect((await store.read('user:d', seq - 1, 1, NOW)).entries[0]?.message.body).toEqual(body);
  });

  it('skips expired entries on read', async () => {
    await store.append('user:e', msg('old'), NOW / 1000 - 1);
    await store.append('user:e', msg('new'), LATER);
    const page = await store.read('user:e', 0, 10, NOW);
    expect(page.entries.map((e) => e.message.id)).toEqual(['new']);
    expect(page.head).toBe(2);
  });

  it('recordSend keeps the first message per (sender, cmid)', async () => {
    const first = await store.recordSend({ ...msg('100'), cmid: 'same' }, LATER);
    const again = await store.recordSend({ ...msg('101'), cmid: 'same' }, LATER);
    expect(again).toEqual(first);
    expect(again.id).toBe('100');
  });

  it('recordSend keys (sender, cmid) unambiguously, whatever the cmid holds', async () => {
    const cmids = ['x#y', 'x', 'x#', '#x#y', ' ', 'a b\nc', '🙂'.repeat(64), 'q:k1', 'k1'];
    const stored = await Promise.all(cmids.map((cmid, i) => store.recordSend({ ...msg(String(200 + i)), cmid }, LATER)));
    expect(stored.map((m) => m.id)).toEqual(cmids.map((_, i) => String(200 + i)));
    const [fromP, fromPq] = await Promise.all([
      store.recordSend({ ...msg('300'), from: 'p', cmid: 'q#k1' }, LATER),
      store.recordSend({ ...msg('301'), from: 'p.q', cmid: 'k1' }, LATER),
    ]);
    expect([fromP.id, fromPq.id]).toEqual(['300', '301']);
  });

  it('ack pointers only move forward', async () => {
    await store.ack('b', 'inbox', 'read', 5);
    await store.ack('b', 'inbox', 'read', 3);
    await store.ack('b', 'inbox', 'delivered', 7);
    expect(await store.pointers('b', 'inbox')).toEqual({ delivered: 7, read: 5 });
    expect(await store.pointers('b', 'group:none')).toEqual({ delivered: 0, read: 0 });
  });

  const from = (id: string, sender: string, extra: Partial<Message> = {}): Message => ({ ...msg(id), from: sender, ...extra });

  it("names the owner's own sends right below a seq, down to the first message someone else sent", async () => {
    await store.append('user:o', from('1', 'p'), LATER, { firstAttempt: true });
    await store.append('user:o', from('2', 'o'), LATER, { firstAttempt: true });
    await store.append('user:o', from('3', 'o'), LATER, { firstAttempt: true });
    expect(await store.append('user:o', from('4', 'p'), LATER, { firstAttempt: true })).toEqual({ seq: 4, fresh: true, own: [{ seq: 3, id: '3' }, { seq: 2, id: '2' }] });
    expect(await store.append('user:o', from('5', 'p'), LATER, { firstAttempt: true })).toEqual({ seq: 5, fresh: true });
    // a backend's message in the owner's name is not the owner's own send; nor is anything in a group timeline
    await store.append('user:o', from('6', 'o', { backend: true }), LATER, { firstAttempt: true });
    expect((await store.append('user:o', from('7', 'p'), LATER, { firstAttempt: true })).own).toBeUndefined();
    await store.append('group:o', from('8', 'o'), LATER, { firstAttempt: true });
    expect((await store.append('group:o', from('9', 'p'), LATER, { firstAttempt: true })).own).toBeUndefined();
    // a retry learns the same run from the register
    expect(await store.append('user:o', from('4', 'p'), LATER)).toEqual({ seq: 4, fresh: false, own: [{ seq: 3, id: '3' }, { seq: 2, id: '2' }] });
  });

  it('a first attempt wrongly claimed for a message stored already still gets its first seq (the register remembers it)', async () => {
    await store.append('user:q', msg('1'), LATER, { firstAttempt: true });
    await store.append('user:q', msg('2'), LATER);
    expect(await store.append('user:q', msg('1'), LATER, { firstAttempt: true })).toEqual({ seq: 1, fresh: false });
    expect((await store.read('user:q', 0, 10, NOW)).entries.map((e) => [e.seq, e.message.id])).toEqual([[1, '1'], [2, '2']]);
  });

  it('a retry past the register finds the message among the items appended since it was sent: no duplicate', async () => {
    const sentAt = Date.now();
    await store.append('user:r', { ...msg('old'), sentAt }, LATER, { firstAttempt: true });
    for (let i = 0; i < 40; i++) await store.append('user:r', { ...msg(`x${i}`), sentAt }, LATER, { firstAttempt: true });
    expect(await store.append('user:r', { ...msg('old'), sentAt }, LATER)).toEqual({ seq: 1, fresh: false });
    const page = await store.read('user:r', 0, 100, NOW);
    expect(page.head).toBe(41);
    expect(page.entries.filter((e) => e.message.id === 'old').map((e) => e.seq)).toEqual([1]);
  });
});

describe('DynamoTimelineStore after a crash inside append', () => {
  const tl = useDynaliteTimelines();
  /** What a process that died right after taking the seq leaves behind: the seq taken, no claim, no message. */
  const dieAfterTakingSeq = async (owner: string, id: string) => {
    const { seq } = await tl.store.append(owner, msg(id), LATER);
    const table = tl.d.config.EDGEIM_TIMELINES_TABLE;
    await tl.d.db.send(new DeleteCommand({ TableName: table, Key: { pk: `claim#${owner}#${id}`, sk: 0 } }));
    await tl.d.db.send(new DeleteCommand({ TableName: table, Key: { pk: `tl#${owner}`, sk: seq } }));
  };

  it('reuses the seq the dead attempt took, even after other appends: no hole, no duplicate', async () => {
    await tl.store.append('user:k', msg('1'), LATER);
    await dieAfterTakingSeq('user:k', '2');
    for (const id of ['3', '4', '5']) await tl.store.append('user:k', msg(id), LATER);
    expect(await tl.store.append('user:k', msg('2'), LATER)).toEqual({ seq: 2, fresh: false });
    const page = await tl.store.read('user:k', 0, 10, NOW);
    expect(page.entries.map((e) => [e.seq, e.message.id])).toEqual([[1, '1'], [2, '2'], [3, '3'], [4, '4'], [5, '5']]);
    expect(page.head).toBe(5);
  });

  it('past 32 later appends the retry takes a new seq: a hole, never a duplicate', async () => {
    await dieAfterTakingSeq('user:m', 'lost');
    for (let i = 0; i < 32; i++) await tl.store.append('user:m', msg(`n${i}`), LATER);
    expect(await tl.store.append('user:m', msg('lost'), LATER)).toEqual({ seq: 34, fresh: true });
    const page = await tl.store.read('user:m', 0, 100, NOW);
    expect(page.entries.filter((e) => e.message.id === 'lost').map((e) => e.seq)).toEqual([34]);
    expect(page.entries.map((e) => e.seq)).not.toContain(1);
  });
});
