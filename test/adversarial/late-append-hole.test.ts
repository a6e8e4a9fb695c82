import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { TimelineTracker } from '../../sdk/timeline-tracker.js';
import type { TimelineMessage } from '../../sdk/types.js';
import { SETTLE_MS } from '../../shared/aws/dynamo-timeline-store.js';
import type { Message } from '../../shared/protocol/frames.js';
import { useDynaliteTimelines } from '../helpers/dynalite.js';

const LATER = Math.floor(Date.now() / 1000) + 3600;
const msg = (id: string): Message => ({ id, conv: `u:a:${id}`, from: 'a', to: { user: 'b' }, body: id, cmid: id, sentAt: Date.now() });
const as = (e: { seq: number; message: Message }): TimelineMessage => ({ timeline: 'inbox', seq: e.seq, message: e.message as TimelineMessage['message'] });

/**
 * Two conversations' jobs append to one inbox at once: A takes seq 1, B takes seq 2, and
 * B's message is written (and pushed) while A's write is still on its way. The device
 * sees 2 first and re-pulls. Were the missing 1 reported as a hole, the device would move
 * past it; A's write lands a moment later, and if its live push does not reach that
 * device (it reconnects meanwhile), no later sync would ever return seq 1 to it. So a
 * gap below a recent write ends the page until it has had time to fill.
 */
describe('a seq that is late, not lost', () => {
  const tl = useDynaliteTimelines();

  /** Appends A then B to `owner` with A's message item gone: A's seq taken, its write in flight. */
  async function aInFlight(owner: string) {
    await tl.store.append(owner, msg(`${owner}-A`), LATER);
    await tl.d.db.send(new DeleteCommand({ TableName: tl.d.config.EDGEIM_TIMELINES_TABLE, Key: { pk: `tl#${owner}`, sk: 1 } }));
    const b = await tl.store.append(owner, msg(`${owner}-B`), LATER);
    expect(b.seq).toBe(2);
  }

  it('a device that saw a later seq first still gets the late one after reconnecting', async () => {
    const owner = 'user:late-b';
    await aInFlight(owner);

    // the device: B pushed live, a gap, one re-pull
    const shown: string[] = [];
    const tracker = new TimelineTracker();
    shown.push(...tracker.push(as({ seq: 2, message: msg(`${owner}-B`) })).map((m) => m.message.id));
    const page = await tl.store.read(owner, tracker.last, 100, Date.now());
    expect(page).toEqual({ entries: [], head: 0, held: true }); // not a hole yet: the page stops below the gap, and says so
    shown.push(...tracker.pulled(page.entries.map(as), page.head).map((m) => m.message.id));
    expect(tracker.last).toBe(0);

    // A's write lands while the device is reconnecting (its live push is lost with the old connection)
    await tl.store.append(owner, msg(`${owner}-A`), LATER);
    const again = new TimelineTracker(tracker.last); // the pointer the SDK saved
    const after = await tl.store.read(owner, again.last, 100, Date.now());
    shown.push(...again.pulled(after.entries.map(as), after.head).map((m) => m.message.id));

    expect(shown.sort()).toEqual([`${owner}-A`, `${owner}-B`]);
  });

  it('a seq that never fills is a hole once the write above it has settled', async () => {
    const owner = 'user:hole-b';
    await aInFlight(owner);
    const soon = await tl.store.read(owner, 0, 100, Date.now());
    expect(soon.entries.map((e) => e.seq)).toEqual([]);
    const later = await tl.store.read(owner, 0, 100, Date.now() + SETTLE_MS + 1);
    expect(later.entries.map((e) => e.seq)).toEqual([2]);
    expect(later.head).toBe(2);
  });

  it('entries below the gap are still served, and the head stops under it', async () => {
    const owner = 'user:mid-b';
    await tl.store.append(owner, msg(`${owner}-0`), LATER); // seq 1, written
    await tl.store.append(owner, msg(`${owner}-A`), LATER); // seq 2, in flight
    await tl.d.db.send(new DeleteCommand({ TableName: tl.d.config.EDGEIM_TIMELINES_TABLE, Key: { pk: `tl#${owner}`, sk: 2 } }));
    await tl.store.append(owner, msg(`${owner}-B`), LATER); // seq 3
    const page = await tl.store.read(owner, 0, 100, Date.now());
    expect(page.entries.map((e) => e.seq)).toEqual([1]);
    expect(page.head).toBe(1);
  });
});
