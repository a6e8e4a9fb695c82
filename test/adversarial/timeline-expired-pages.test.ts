import { describe, expect } from 'vitest';
import { DynamoTimelineStore } from '../../shared/aws/dynamo-timeline-store.js';
import type { TimelineStore } from '../../shared/domain/ports/timeline-store.js';
import type { Message } from '../../shared/protocol/frames.js';
import { MemoryTimelineStore } from '../../shared/memory/memory-timeline-store.js';
import { TimelineTracker } from '../../sdk/timeline-tracker.js';
import type { TimelineMessage } from '../../sdk/types.js';
import { memoryAndDynamo, useImplementation } from '../contract/implementations.js';

const msg = (id: string): Message => ({ id, conv: 'u:a:b', from: 'a', to: { user: 'b' }, body: id, cmid: `c-${id}`, sentAt: Date.now() });
const as = (e: { seq: number; message: Message }): TimelineMessage => ({ timeline: 'inbox', seq: e.seq, message: e.message as TimelineMessage['message'] });
const GONE = () => Math.floor(Date.now() / 1000) - 1;
const LATER = () => Math.floor(Date.now() / 1000) + 3600;

/**
 * Expired messages stay in DynamoDB until TTL deletes them (up to days later) and `read`
 * hides them. They must read as what they are, messages nobody gets any more: not as
 * missing seqs (a gap below a recent write holds the page back), and not as the end of
 * the timeline (a page whose first `limit` items all expired came back empty, so a
 * device that was offline past the retention saw "synced" and, at its next live push,
 * moved past every live message between as holes).
 */
describe.each(memoryAndDynamo<TimelineStore>(() => new MemoryTimelineStore(), (d) => new DynamoTimelineStore(d.db, d.config.EDGEIM_TIMELINES_TABLE)))(
  'expired entries in a timeline: $name',
  (impl) => {
    let store: TimelineStore;
    const contract = useImplementation(impl, (o) => (store = o.store));

    contract('a page of expired entries does not hide the live ones after it', async () => {
      const owner = 'user:exp-page';
      for (let i = 1; i <= 5; i++) await store.append(owner, msg(`old${i}`), GONE());
      for (let i = 6; i <= 8; i++) await store.append(owner, msg(`new${i}`), LATER());
      const settled = Date.now() + 60_000; // past any settle window: only expiry matters here
      const page = await store.read(owner, 0, 3, settled);
      expect(page.entries.map((e) => e.seq)).toEqual([6, 7, 8]);
      expect(page.head).toBe(8);

      // what a device offline past the retention did with the empty page: a later live push moved it past 6..8
      const tracker = new TimelineTracker();
      tracker.pulled(page.entries.map(as), page.head);
      const pushed = await store.append(owner, msg('live9'), LATER());
      tracker.push(as({ seq: pushed.seq, message: msg('live9') }));
      const repull = await store.read(owner, tracker.last, 3, settled);
      tracker.pulled(repull.entries.map(as), repull.head);
      expect(tracker.last).toBe(9);
      const again = await store.read(owner, 0, 100, settled);
      expect(again.entries.map((e) => e.seq)).toEqual([6, 7, 8, 9]);
    });

    contract('an expired entry right below a just-written one is not a gap to wait for', async () => {
      const owner = 'user:exp-gap';
      await store.append(owner, msg('old'), GONE());
      await store.append(owner, msg('new'), LATER());
      const page = await store.read(owner, 0, 10, Date.now());
      expect(page.entries.map((e) => e.message.id)).toEqual(['new']);
      expect(page.head).toBe(2);
    });
  },
);
