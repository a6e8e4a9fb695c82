import type { DeliveryCall, DeliveryLane } from './delivery-plan.js';
import type { ConnectionRef } from './model.js';
import { DeliveryRejectedError, EndpointUnreachableError, type Delivery } from './ports/delivery.js';
import { mapLimit } from './pool.js';

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

export interface DeliverOptions {
  /** Lanes in flight at once. */
  concurrency: number;
  /** Told of every failed call and what became of it. */
  onError?: (err: unknown, ref: ConnectionRef, outcome: FailureOutcome) => void;
}

/**
 * Sends a plan's lanes (DeliveryPlan.lanes) through `delivery`, `concurrency` lanes at a
 * time, each lane's calls one after the other. Never rejects: it reports what failed.
 *
 * Failures (Delivery contract): a call refused for good is skipped (later calls of its
 * lane still go); a gateway task that cannot be reached loses the connections its call
 * held (reported gone), and the rest of its lane is dropped; anything else fails the
 * call's records and those of every later call in its lane (nothing overtakes it), so the
 * job retries them. A connection that answers 410 Gone gets nothing more.
 */
export async function deliver(delivery: Delivery, lanes: readonly DeliveryLane[], options: DeliverOptions): Promise<PlanResult> {
  const run = new DeliveryRun(delivery, options.onError);
  await mapLimit(lanes, options.concurrency, (lane) => run.lane(lane));
  return run.result;
}

/** One `deliver`: the delivery, the failure hook and the result the lanes add to. */
class DeliveryRun {
  readonly result: PlanResult = { gone: [], rejected: 0, unreachable: [], posts: 0 };

  constructor(
    private readonly delivery: Delivery,
    private readonly onError: DeliverOptions['onError'],
  ) {}

  async lane(lane: DeliveryLane): Promise<void> {
    for (const [i, call] of lane.entries()) {
      try {
        this.result.posts++;
        if ((await this.send(call)) === 'stop') return;
      } catch (err) {
        // later calls of the lane must not overtake one that will be retried; a dead task gets none
        if (this.settle(err, call, lane.slice(i)) !== 'skipped') return;
      }
    }
  }

  /** Makes one call; 'stop' when its connection is gone (nothing more goes to it). */
  private async send(call: DeliveryCall): Promise<'next' | 'stop'> {
    switch (call.kind) {
      case 'post':
        if ((await this.delivery.post(call.ref.endpoint, call.ref.connectionId, call.data)) !== 'gone') return 'next';
        this.result.gone.push(call.ref);
        return 'stop';
      case 'batch': {
        const { gone } = await this.delivery.postBatch(call.endpoint, call.items);
        if (gone.length === 0) return 'next';
        const held = new Map(call.held.map((r) => [r.connectionId, r]));
        for (const id of new Set(gone)) {
          const ref = held.get(id);
          if (ref) this.result.gone.push(ref);
        }
        return 'next';
      }
      case 'room':
        await this.delivery.postRoom(call.endpoint, call.rid, call.data, call.except);
        return 'next';
    }
  }

  /** Sorts one failed call: 'retry' (its records and those after it fail), 'skipped' (rejected for good) or 'gone' (unreachable gateway task). */
  private settle(err: unknown, call: DeliveryCall, rest: DeliveryLane): FailureOutcome {
    const { ref } = call;
    let outcome: FailureOutcome = 'retry';
    if (err instanceof DeliveryRejectedError) outcome = 'skipped';
    else if (err instanceof EndpointUnreachableError && ref.kind === 'gateway') outcome = 'gone';
    this.onError?.(err, ref, outcome);
    if (outcome === 'skipped') this.result.rejected++;
    else if (outcome === 'gone') {
      if (!this.result.unreachable.includes(ref.endpoint)) this.result.unreachable.push(ref.endpoint);
      this.result.gone.push(...call.held);
    } else this.fail(rest.flatMap((c) => c.records));
    return outcome;
  }

  private fail(records: Iterable<number>): void {
    this.result.failed ??= new Set();
    for (const record of records) {
      this.result.failed.add(record);
      this.result.failedFrom = Math.min(this.result.failedFrom ?? Infinity, record);
    }
  }
}
