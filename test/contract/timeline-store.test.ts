import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTimelineStore } from '../../shared/aws/dynamo-timeline-store.js';
import type { TimelineStore } from '../../shared/domain/ports/timeline-store.js';
import type { Message } from '../../shared/protocol/frames.js';
import { startDynalite } from '../helpers/dynalite.js';

const NOW = 1_800_000_000_000;
const LATER = NOW / 1000 + 3600;
const msg = (id: string, body: unknown = id): Message => ({ id, conv: 'u:a:b', from: 'a', to: { user: 'b' }, body, cmid: `c-${id}`, sentAt: NOW });

function timelineStoreContract(name: string, make: () => Promise<{ store: TimelineStore; close(): Promise<void> }>) {
  describe(`TimelineStore contract: ${name}`, () => {
    let store: TimelineStore;
    let close: () => Promise<void>;
    beforeAll(async () => ({ store, close } = await make()));
    afterAll(() => close());

    it('appends at dense seqs and reads after a seq, paged, with the head', async () => {
      for (const id of ['1', '2', '3']) await store.append('user:b', msg(id), LATER);
      const all = await store.read('user:b', 0, 10, NOW);
      expect(all.head).toBe(3);
      expect(all.entries.map((e) => [e.seq, e.message.id])).toEqual([[1, '1'], [2, '2'], [3, '3']]);
      expect((await store.read('user:b', 1, 1, NOW)).entries.map((e) => e.seq)).toEqual([2]);
      expect(await store.head('user:empty')).toBe(0);
    });

    it('gives a message one seq however often (and however concurrently) it is appended', async () => {
      const seqs = await Promise.all([store.append('user:c', msg('9'), LATER), store.append('user:c', msg('9'), LATER)]);
      expect(await store.append('user:c', msg('9'), LATER)).toBe(seqs[0]);
      expect(seqs[0]).toBe(seqs[1]);
      const page = await store.read('user:c', 0, 10, NOW);
      expect(page.entries.map((e) => e.message.id)).toEqual(['9']);
      expect(page.head).toBeLessThanOrEqual(2); // a concurrent loser may leave one hole, never a duplicate
    });

    it('round-trips any JSON body exactly', async () => {
      const body = { big: 1e300, tiny: -5e-324, empty: {}, list: [null, '', [], { a: [1.5] }], text: 'ünïcødé ✓' };
      const seq = await store.append('user:d', msg('j', body), LATER);
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

    it('ack pointers only move forward', async () => {
      await store.ack('b', 'inbox', 'read', 5);
      await store.ack('b', 'inbox', 'read', 3);
      await store.ack('b', 'inbox', 'delivered', 7);
      expect(await store.pointers('b', 'inbox')).toEqual({ delivered: 7, read: 5 });
      expect(await store.pointers('b', 'group:none')).toEqual({ delivered: 0, read: 0 });
    });
  });
}

timelineStoreContract('DynamoDB (dynalite)', async () => {
  const d = await startDynalite();
  return { store: new DynamoTimelineStore(d.db, d.config.EDGEIM_TIMELINES_TABLE), close: d.close };
});
