import { packFrames, type PushableFrame } from '../protocol/frames.js';
import type { ConnectionRef } from './model.js';

interface Queued {
  frame: PushableFrame;
  /** Index of the job record the frame came from, so a failure maps back to it. */
  record: number;
}

interface Outbox {
  ref: ConnectionRef;
  queued: Queued[];
}

/** One frame for a gateway task's own members of a room. */
export interface RoomBroadcast {
  /** The gateway task's endpoint. */
  endpoint: string;
  rid: string;
  frame: PushableFrame;
  /** Index of the job record the frame came from. */
  record: number;
  /** A connection that gets nothing (the sender's). */
  except?: string | undefined;
  /** The task's members of the room (what becomes gone if the task is unreachable). */
  members: ConnectionRef[];
}

/** Largest `@batch` request body sent to one gateway task in one call. */
export const MAX_BATCH_REQUEST_BYTES = 1024 * 1024;

/** What every call of a plan says about itself, whatever it carries. */
interface CallBase {
  /** The connection the call is reported under (a gateway call: one of its task's, or `@rooms/<rid>`). */
  ref: ConnectionRef;
  /** The job records of the frames it carries. */
  records: number[];
  /** The connections lost with it when its gateway task cannot be reached. */
  held: ConnectionRef[];
}

/** One call a plan makes: a payload to one connection, a `@batch` to a gateway task, or a `@rooms` broadcast. */
export type DeliveryCall =
  | (CallBase & { kind: 'post'; data: string })
  | (CallBase & { kind: 'batch'; endpoint: string; items: { connectionId: string; data: string }[] })
  | (CallBase & { kind: 'room'; endpoint: string; rid: string; data: string; except?: string | undefined });

/**
 * Calls that go one after the other: none may overtake an earlier one that failed (the
 * calls to one connection, a gateway task's `@batch` calls, its `@rooms` calls).
 */
export type DeliveryLane = DeliveryCall[];

/**
 * Frames bound for live connections during one job invocation, and the calls that carry
 * them (pure: nothing is sent here; deliver.ts sends). Frames for the same connection go
 * out merged into `batch` frames of at most `maxBytes` (API Gateway bills per 32 KiB
 * frame), in the order they were added, so per-connection order holds; stored messages
 * of one timeline go out in seq order whatever order their records (planned in parallel
 * for different conversations) added them.
 *
 * Connections held by gateway tasks are reached with the gateway's extensions: one
 * `@batch` call per task (more when its body would pass MAX_BATCH_REQUEST_BYTES) for all
 * its connections, and one `@rooms` call per task and room broadcast (the task fans out
 * to its members itself). API Gateway's connections get one call per payload.
 */
export class DeliveryPlan {
  private readonly outboxes = new Map<string, Outbox>();
  private readonly broadcasts = new Map<string, RoomBroadcast[]>();

  /** A frame for every member of a room that a gateway task holds, but `except`. */
  addRoomBroadcast(broadcast: RoomBroadcast): void {
    let list = this.broadcasts.get(broadcast.endpoint);
    if (!list) this.broadcasts.set(broadcast.endpoint, (list = []));
    list.push(broadcast);
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

  /**
   * The calls that deliver everything added, in lanes: one per API Gateway connection,
   * then one per gateway task for its connections, then one per gateway task for its
   * room broadcasts. Payloads hold at most `maxBytes` (a single larger frame goes alone).
   */
  lanes(maxBytes: number): DeliveryLane[] {
    const lanes: DeliveryLane[] = [];
    const perTask = new Map<string, Outbox[]>();
    for (const box of this.outboxes.values()) {
      if (box.ref.kind !== 'gateway') {
        lanes.push(payloadsOf(box, maxBytes).map(({ data, records }) => ({ kind: 'post', ref: box.ref, data, records, held: [box.ref] })));
        continue;
      }
      const list = perTask.get(box.ref.endpoint);
      if (list) list.push(box);
      else perTask.set(box.ref.endpoint, [box]);
    }
    for (const [endpoint, boxes] of perTask) lanes.push(batchCalls(endpoint, boxes, maxBytes));
    for (const [endpoint, list] of this.broadcasts) {
      lanes.push(
        list.map((b) => ({
          kind: 'room',
          ref: { connectionId: `@rooms/${b.rid}`, uid: '', endpoint, kind: 'gateway' },
          endpoint,
          rid: b.rid,
          data: JSON.stringify(b.frame),
          except: b.except,
          records: [b.record],
          held: b.members,
        })),
      );
    }
    return lanes;
  }
}

/** One connection's frames as payloads of at most `maxBytes`, each with the records of its frames. */
function payloadsOf(box: Outbox, maxBytes: number): { data: string; records: number[] }[] {
  let next = 0;
  return packFrames(
    box.queued.map((q) => q.frame),
    maxBytes,
  ).map(({ payload, count }) => {
    const records = [...new Set(box.queued.slice(next, (next += count)).map((q) => q.record))];
    return { data: payload, records };
  });
}

/** One gateway task: every connection's payloads, in order, in `@batch` calls of bounded size. */
function batchCalls(endpoint: string, boxes: Outbox[], maxBytes: number): DeliveryLane {
  const held = boxes.map((b) => b.ref);
  const items = boxes.flatMap((box) => payloadsOf(box, maxBytes).map((p) => ({ connectionId: box.ref.connectionId, ...p })));
  const calls: DeliveryLane = [];
  let start = 0;
  while (start < items.length) {
    let end = start;
    let bytes = 0;
    while (end < items.length && (end === start || bytes + items[end]!.data.length < MAX_BATCH_REQUEST_BYTES)) bytes += items[end++]!.data.length;
    const slice = items.slice(start, end);
    calls.push({
      kind: 'batch',
      ref: held[0]!,
      endpoint,
      items: slice.map(({ connectionId, data }) => ({ connectionId, data })),
      records: slice.flatMap((i) => i.records),
      held,
    });
    start = end;
  }
  return calls;
}
