import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimelineTracker } from '../../sdk/timeline-tracker.js';
import type { TimelineMessage } from '../../sdk/types.js';
import { DynamoTimelineStore } from '../../shared/aws/dynamo-timeline-store.js';
import type { Message } from '../../shared/protocol/frames.js';
import { startDynalite } from '../helpers/dynalite.js';

const LATER = Math.floor(Date.now() / 1000) + 3600;
const SETTLE_MS = 200;
const msg = (id: string): Message => ({ id, conv: `u:a:${id}`, from: 'a', to: { user: 'b' }, body: id, cmid: id, sentAt: Date.now() });
const as = (e: { seq: number; message: Message }): TimelineMessage => ({ timeline: 'inbox', seq: e.seq, message: e.message as TimelineMessage['message'] });

/**
 * A job that died between taking seq 1 and storing its message is retried when the queue
 * hands its message out again: after the visibility timeout (6 × the job timeout: minutes),
 * far past the settle time, by when readers have moved past seq 1 as a hole. The retry
 * finds seq 1 in the register and stores the message there, below every reader's pointer:
 * a device that was not connected for the retry's live push never gets it.
 *
 * DynamoTimelineStore.append (earlierAttempt → registered seq, not stored → write at that
 * seq) filled a hole readers may already have passed. A retry now leaves such a seq a
 * hole (an item above it written more than half the settle time ago) and appends the
 * message at a new seq, above every reader.
 */
describe('a retry of an append that died after taking its seq', () => {
  let d: Awaited<ReturnType<typeof startDynalite>>;
  let store: DynamoTimelineStore;
  beforeAll(async () => {
    d = await startDynalite();
    store = new DynamoTimelineStore(d.db, d.config.EDGEIM_TIMELINES_TABLE, SETTLE_MS);
  });
  afterAll(() => d.close());

  it('reaches a device that synced past the hole before the retry came', async () => {
    const owner = 'user:dead-b';
    await store.append(owner, msg('A'), LATER, { firstAttempt: true }); // seq 1 taken …
    await d.db.send(new DeleteCommand({ TableName: d.config.EDGEIM_TIMELINES_TABLE, Key: { pk: `tl#${owner}`, sk: 1 } })); // … its message never stored
    await store.append(owner, msg('B'), LATER, { firstAttempt: true }); // seq 2

    // the device syncs once the gap has settled: seq 1 is a hole, it moves past it
    await new Promise((r) => setTimeout(r, SETTLE_MS + 10));
    const tracker = new TimelineTracker();
    const page = await store.read(owner, 0, 100, Date.now());
    const shown = tracker.pulled(page.entries.map(as), page.head).map((m) => m.message.id);
    expect(tracker.last).toBe(2);

    // the queue hands the job out again (minutes later); the device is offline then, and syncs when back
    const retried = await store.append(owner, msg('A'), LATER);
    expect(retried.seq).toBe(3);
    expect(await store.append(owner, msg('A'), LATER)).toMatchObject({ seq: 3, fresh: false }); // and stays there
    const back = new TimelineTracker(tracker.last);
    const next = await store.read(owner, back.last, 100, Date.now());
    shown.push(...back.pulled(next.entries.map(as), next.head).map((m) => m.message.id));
    expect(shown.sort()).toEqual(['A', 'B']);
  });
});
