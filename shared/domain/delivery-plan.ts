import type { PushableFrame } from '../protocol/frames.js';
import type { ConnectionRef } from './model.js';
import type { Delivery } from './ports/delivery.js';
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

export interface PlanResult {
  /** Earliest record with a frame that could not be delivered (retry from there), if any. */
  failedFrom?: number;
  /** Connections that answered 410 Gone. */
  gone: ConnectionRef[];
  posts: number;
}

/**
 * Frames bound for live connections during one job invocation. Frames for the same
 * connection go out merged into `batch` frames of at most `maxBytes` (API Gateway bills
 * per 32 KiB frame), in the order they were added, so per-connection order holds.
 */
export class DeliveryPlan {
  private readonly outboxes = new Map<string, Outbox>();

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
    box.queued.push({ frame, record });
  }

  get size(): number {
    return this.outboxes.size;
  }

  /** Posts every outbox (bounded concurrency); never rejects, reports what failed instead. */
  async deliver(delivery: Delivery, concurrency: number, maxBytes: number, onError?: (err: unknown, ref: ConnectionRef) => void): Promise<PlanResult> {
    const result: PlanResult = { gone: [], posts: 0 };
    await mapLimit([...this.outboxes.values()], concurrency, async (box) => {
      for (const chunk of chunkFrames(box.queued, maxBytes)) {
        try {
          result.posts++;
          const outcome = await delivery.post(box.ref.endpoint, box.ref.connectionId, chunk.payload);
          if (outcome === 'gone') {
            result.gone.push(box.ref);
            return;
          }
        } catch (err) {
          onError?.(err, box.ref);
          result.failedFrom = Math.min(result.failedFrom ?? Infinity, chunk.firstRecord);
          return; // later chunks to this connection must not overtake the failed one
        }
      }
    });
    return result;
  }
}

interface Chunk {
  payload: string;
  firstRecord: number;
}

/** Packs frames, in order, into as few payloads of at most `maxBytes` as possible. */
export function chunkFrames(queued: Queued[], maxBytes: number): Chunk[] {
  const chunks: Chunk[] = [];
  let parts: string[] = [];
  let size = 0;
  let firstRecord = 0;
  const flush = () => {
    if (parts.length === 0) return;
    const payload = parts.length === 1 ? (parts[0] as string) : `{"type":"batch","frames":[${parts.join(',')}]}`;
    chunks.push({ payload, firstRecord });
    parts = [];
    size = 0;
  };
  const overhead = '{"type":"batch","frames":[]}'.length;
  for (const q of queued) {
    const json = JSON.stringify(q.frame);
    const bytes = Buffer.byteLength(json) + 1;
    if (parts.length > 0 && overhead + size + bytes > maxBytes) flush();
    if (parts.length === 0) firstRecord = q.record;
    parts.push(json);
    size += bytes;
  }
  flush();
  return chunks;
}
