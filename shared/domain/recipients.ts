import type { Message, PushableFrame } from '../protocol/frames.js';
import type { BatchLookups } from './batch-lookups.js';
import type { DeliveryPlan } from './delivery-plan.js';
import type { Deps } from './deps.js';
import type { ConnectionRef } from './model.js';
import { mapLimit } from './pool.js';

/** A frame for every live connection of `uid` but `except` (the sending connection). */
export interface Reach {
  /** The job record it belongs to (a failed look-up fails it). */
  record: number;
  uid: string;
  frame: PushableFrame;
  except?: string | undefined;
  /** Tell the offline notifier about this message when the user has no live connection. */
  offline?: Message | undefined;
}

/**
 * The users one job batch sends frames to, looked up only once every record of the batch
 * is stored. A connection made before the look-up is sent its frames; one made after it
 * syncs on connect, after the messages were stored, and finds them there. Looked up
 * while its appends were still running, a user could connect and sync in between: that
 * device would get neither the push nor the message (until its next sync).
 */
export class Recipients {
  private readonly reaches: Reach[] = [];

  /** Records a frame for the user's connections (in order: frames of one connection keep it). */
  add(reach: Reach): void {
    this.reaches.push(reach);
  }

  /**
   * Looks up each user's connections (once per user, through the batch's look-ups) and
   * adds the frames to `plan` in the order they were recorded; tells the offline notifier
   * of users with none. Returns the records whose look-up failed (the job retries them).
   */
  async resolve(deps: Pick<Deps, 'offline'>, lookups: BatchLookups, plan: DeliveryPlan, concurrency: number): Promise<Set<number>> {
    const found = new Map<string, ConnectionRef[] | undefined>();
    await mapLimit([...new Set(this.reaches.map((r) => r.uid))], concurrency, async (uid) => {
      found.set(uid, await lookups.connectionsOf(uid).catch(() => undefined));
    });
    const failed = new Set<number>();
    for (const { record, uid, frame, except, offline } of this.reaches) {
      const refs = found.get(uid);
      if (!refs) {
        failed.add(record);
        continue;
      }
      for (const ref of refs) if (ref.connectionId !== except) plan.add(ref, frame, record);
      if (refs.length === 0 && offline) deps.offline.offline(uid, offline).catch(() => undefined);
    }
    return failed;
  }
}
