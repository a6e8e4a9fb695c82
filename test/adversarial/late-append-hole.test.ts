import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimelineTracker } from '../../sdk/timeline-tracker.js';
import type { TimelineMessage } from '../../sdk/types.js';
import { DynamoTimelineStore } from '../../shared/aws/dynamo-timeline-store.js';
import type { Message } from '../../shared/protocol/frames.js';
import { startDynalite } from '../helpers/dynalite.js';

const NOW = 1_800_000_000_000;
const LATER = NOW / 1000 + 3600;
const msg = (id: string): Message => ({ id, conv: `u:a:${id}`, from: 'a', to: { user: 'b' }, body: id, cmid: id, sentAt: NOW });

/**
 * Two conversations' jobs append to one inbox at once: A takes seq 1, B takes seq 2, and
 * B's message is written (and pushed) while A's write is still on its way. The device
 * sees 2 first, re-pulls, finds 1 missing below the head and moves past it as a hole (the
 * SDK's rule). A's write lands a moment later; if its live push does not reach that device
 * (it reconnects meanwhile), no later sync will ever return seq 1 to it: the device never
 * shows a message that is in the inbox.
 */
describe('a seq that is late, not lost', () => {
  let d: Awaited<ReturnType<typeof startDynalite>>;
  let store: DynamoTimelineStore;
  beforeAll(async () => {
    d = await startDynalite();
    store = new DynamoTimelineStore(d.db, d.config.EDGEIM_TIMELINES_TABLE);
  });
  afterAll(() => d.close());

  // Defect, not fixed here (SDK / sync contract): a gap below `head` is judged a hole at the
  // first re-pull, though an append in progress looks exactly the same for a few ms; only the
  // live push can still bring it, and only to a device connected at that moment. Fix: the
  // server tells a hole from a late write (e.g. `sync` answers a `settled` seq up to which
  // every allocated seq is written or abandoned, from the claim items), or the SDK keeps
  // skipped seqs (persisted) and re-pulls them once after a grace period before giving up.
  it.fails('a device that skipped a late seq still gets its message after reconnecting', async () => {
    const owner = 'user:late-b';
    // A's append has taken seq 1 but not yet written the message (in flight)
    await store.append(owner, msg('A'), LATER);
    await d.db.send(new DeleteCommand({ TableName: d.config.EDGEIM_TIMELINES_TABLE, Key: { pk: `tl#${owner}`, sk: 1 } }));
    const b = await store.append(owner, msg('B'), LATER);
    expect(b.seq).toBe(2);

    // the device: B pushed live, a gap, one re-pull
    const shown: string[] = [];
    const tracker = new TimelineTracker();
    const as = (e: { seq: number; message: Message }): TimelineMessage => ({ timeline: 'inbox', seq: e.seq, message: e.message as TimelineMessage['message'] });
    shown.push(...tracker.push(as({ seq: 2, message: msg('B') })).map((m) => m.message.id));
    const page = await store.read(owner, tracker.last, 100, NOW);
    shown.push(...tracker.pulled(page.entries.map(as), page.head).map((m) => m.message.id));

    // A's write lands while the device is reconnecting (its live push is lost with the old connection)
    await store.append(owner, msg('A'), LATER);
    const again = new TimelineTracker(tracker.last); // the pointer the SDK saved
    const after = await store.read(owner, again.last, 100, NOW);
    shown.push(...again.pulled(after.entries.map(as), after.head).map((m) => m.message.id));

    expect(shown.sort()).toEqual(['A', 'B']);
  });
});
