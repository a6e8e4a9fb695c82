import type { PushableFrame } from '../protocol/frames.js';
import type { ConnectionRef } from './model.js';
import { DeliveryRejectedError, EndpointUnreachableError, type Delivery } from './ports/delivery.js';
import { mapLimit } from './pool.js';

interface Queued {
  frame: PushableFrame;
  /** Index of the job record the frame came from, so a failure maps back to it. */
  record: number;
}

interface Outbox {
  ref: ConnectionRef;
  queued: Queued[];
}

interface RoomBroadcast {
  rid: string;
  data: string;
  record: number;
  except?: string | undefined;
  /** The task's members of the room (what becomes gone if the task is unreachable). */
  members: ConnectionRef[];
}

/** Largest `@batch` request body sent to one gateway task in one call. */
const MAX_BATCH_REQUEST_BYTES = 1024 * 1024;

export interface PlanResult {
  /** Earliest record with a frame that could not be delivered but may be later (retry from there), if any. */
  failedFrom?: number;
  /**
   * Every record with a frame that could not be delivered but may be later, or that was
   * held back behind one on the same connection (set with `failedFrom`).
   */
  failed?: Set<number>;
  /** Connections that answered 410 Gone, or that an unreachable gateway task held. */
  gone: ConnectionRef[];
  /** Calls refused for good (a 4xx other than 410): skipped, not retried. */
  rejected: number;
  /** Gateway task endpoints that could not be reached (their connections are in `gone`). */
  unreachable: string[];
  posts: number;
}

/** What became of a failed call: retried with its record, skipped for good, or its connections gone. */
export type FailureOutcome = 'retry' | 'skipped' | 'gone';

/**
 * Frames bound for live connections during one job invocation. Frames for the same
 * connection go out merged into `batch` frames of at most `maxBytes` (API Gateway bills
 * per 32 KiB frame), in the order they were added, so per-connection order holds; stored
 * messages of one timeline go out in seq order whatever order their records (planned in
 * parallel for different conversations) added them.
 *
 * Connections held by gateway tasks are reached with the gateway's extensions when the
 * delivery offers them: one `@batch` call per task for all its connections, and one
 * `@rooms` call per task and room broadcast (the task fans out to its members itself).
 *
 * Failures (Delivery contract): a call refused for good is skipped (later frames to the
 * same connection still go); a gateway task that cannot be reached loses its connections
 * (reported gone) and holds nothing up; anything else fails the call's records, and every
 * record of a frame held back behind it (nothing later to the same connection overtakes
 * it), so the job retries them.
 */
export class DeliveryPlan {
  private readonly outboxes = new Map<string, Outbox>();
  private readonly broadcasts = new Map<string, RoomBroadcast[]>();

  /** A frame for every member of a room that `endpoint` (a gateway task) holds, but `except`. */
  addRoomBroadcast(endpoint: string, rid: string, frame: PushableFrame, record: number, except?: string, members: ConnectionRef[] = []): void {
    let list = this.broadcasts.get(endpoint);
    if (!list) this.broadcasts.set(endpoint, (list = []));
    list.push({ rid, data: JSON.stringify(frame), record, except, members });
  }

  add(ref: ConnectionRef, frame: PushableFrame, record: number): void {
    let box = this.outboxes.get(ref.connectionId);
    if (!box) this.outboxes.set(ref.connectionId, (box = { ref, queued: [] }));
    if (frame.type === 'notify') {
      // A notify only says "pull": one per timeline per connection is enough.
      const prior = box.queued.find((q) => q.frame.type === 'notify' && q.frame.timeline === frame.timeline);
      if (prior) {
        prior.frame = frame;
        return;
      }
    }
    if (frame.type === 'message' && frame.seq > 0) {
      // Stored messages of one timeline in seq order: records of different conversations run in parallel.
      const later = box.queued.findIndex((q) => q.frame.type === 'message' && q.frame.timeline === frame.timeline && q.frame.seq > frame.seq);
      if (later >= 0) {
        box.queued.splice(later, 0, { frame, record });
        return;
      }
    }
    box.queued.push({ frame, record });
  }

  get size(): number {
    return this.outboxes.size;
  }

  /** Posts every outbox (bounded concurrency); never rejects, reports what failed instead. */
  async deliver(
    delivery: Delivery,
    concurrency: number,
    maxBytes: number,
    onError?: (err: unknown, ref: ConnectionRef, outcome: FailureOutcome) => void,
  ): Promise<PlanResult> {
    const result: PlanResult = { gone: [], rejected: 0, unreachable: [], posts: 0 };
    const fail = (records: Iterable<number>) => {
      result.failed ??= new Set();
      for (const record of records) {
        result.failed.add(record);
        result.failedFrom = Math.min(result.failedFrom ?? Infinity, record);
      }
    };
    /** Sorts one failed call: 'retry' (its records and those held back fail), 'skipped' (rejected for good) or 'gone' (unreachable gateway task). */
    const settle = (err: unknown, ref: ConnectionRef, records: Iterable<number>, held: ConnectionRef[]): FailureOutcome => {
      let outcome: FailureOutcome = 'retry';
      if (err instanceof DeliveryRejectedError) outcome = 'skipped';
      else if (err instanceof EndpointUnreachableError && ref.kind === 'gateway') outcome = 'gone';
      onError?.(err, ref, outcome);
      if (outcome === 'skipped') result.rejected++;
      else if (outcome === 'gone') {
        if (!result.unreachable.includes(ref.endpoint)) result.unreachable.push(ref.endpoint);
        result.gone.push(...held);
      } else fail(records);
      return outcome;
    };
    const tasks: (() => Promise<void>)[] = [];
    const perTask = new Map<string, Outbox[]>();
    for (const box of this.outboxes.values()) {
      if (box.ref.kind === 'gateway' && delivery.postBatch) {
        const list = perTask.get(box.ref.endpoint);
        if (list) list.push(box);
        else perTask.set(box.ref.endpoint, [box]);
      } else {
        tasks.push(() => this.deliverOne(delivery, box, maxBytes, result, settle));
      }
    }
    for (const [endpoint, boxes] of perTask) tasks.push(() => this.deliverBatch(delivery, endpoint, boxes, maxBytes, result, settle));
    for (const [endpoint, list] of this.broadcasts) {
      tasks.push(async () => {
        for (const [i, b] of list.entries()) {
          const ref: ConnectionRef = { connectionId: `@rooms/${b.rid}`, uid: '', endpoint, kind: 'gateway' };
          try {
            result.posts++;
            if (!delivery.postRoom) throw new Error('this delivery cannot broadcast to a room');
            await delivery.postRoom(endpoint, b.rid, b.data, b.except);
          } catch (err) {
            const outcome = settle(err, ref, list.slice(i).map((l) => l.record), b.members);
            // later broadcasts to this task must not overtake a failed one; a dead task gets none
            if (outcome !== 'skipped') return;
          }
        }
      });
    }
    await mapLimit(tasks, concurrency, (task) => task());
    return result;
  }

  private async deliverOne(delivery: Delivery, box: Outbox, maxBytes: number, result: PlanResult, settle: Settle): Promise<void> {
    const chunks = chunkFrames(box.queued, maxBytes);
    for (const [i, chunk] of chunks.entries()) {
      try {
        result.posts++;
        if ((await delivery.post(box.ref.endpoint, box.ref.connectionId, chunk.payload)) === 'gone') {
          result.gone.push(box.ref);
          return;
        }
      } catch (err) {
        // later chunks to this connection must not overtake one that will be retried
        if (settle(err, box.ref, chunks.slice(i).flatMap((c) => c.records), [box.ref]) !== 'skipped') return;
      }
    }
  }

  /** One gateway task: every connection's chunks in `@batch` calls of bounded size, in order. */
  private async deliverBatch(delivery: Delivery, endpoint: string, boxes: Outbox[], maxBytes: number, result: PlanResult, settle: Settle): Promise<void> {
    const refs = new Map(boxes.map((b) => [b.ref.connectionId, b.ref]));
    const items: { connectionId: string; data: string; records: number[] }[] = [];
    for (const box of boxes) for (const c of chunkFrames(box.queued, maxBytes)) items.push({ connectionId: box.ref.connectionId, data: c.payload, records: c.records });
    let start = 0;
    while (start < items.length) {
      let end = start;
      let bytes = 0;
      while (end < items.length && (end === start || bytes + items[end]!.data.length < MAX_BATCH_REQUEST_BYTES)) bytes += items[end++]!.data.length;
      const slice = items.slice(start, end);
      try {
        result.posts++;
        const { gone } = await delivery.postBatch!(endpoint, slice.map(({ connectionId, data }) => ({ connectionId, data })));
        for (const id of new Set(gone)) {
          const ref = refs.get(id);
          if (ref) result.gone.push(ref);
        }
      } catch (err) {
        if (settle(err, boxes[0]!.ref, items.slice(start).flatMap((i) => i.records), [...refs.values()]) !== 'skipped') return;
      }
      start = end;
    }
  }
}

type Settle = (err: unknown, ref: ConnectionRef, records: Iterable<number>, held: ConnectionRef[]) => FailureOutcome;

interface Chunk {
  payload: string;
  /** The records of the frames in it. */
  records: number[];
}

/** Packs frames, in order, into as few payloads of at most `maxBytes` as possible. */
export function chunkFrames(queued: Queued[], maxBytes: number): Chunk[] {
  const chunks: Chunk[] = [];
  let parts: string[] = [];
  let size = 0;
  let records: number[] = [];
  const flush = () => {
    if (parts.length === 0) return;
    const payload = parts.length === 1 ? (parts[0] as string) : `{"type":"batch","frames":[${parts.join(',')}]}`;
    chunks.push({ payload, records });
    parts = [];
    records = [];
    size = 0;
  };
  const overhead = '{"type":"batch","frames":[]}'.length;
  for (const q of queued) {
    const json = JSON.stringify(q.frame);
    const bytes = Buffer.byteLength(json) + 1;
    if (parts.length > 0 && overhead + size + bytes > maxBytes) flush();
    if (!records.includes(q.record)) records.push(q.record);
    parts.push(json);
    size += bytes;
  }
  flush();
  return chunks;
}
