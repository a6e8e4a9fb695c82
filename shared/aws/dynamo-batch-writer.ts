import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { OverloadedError } from '../errors.js';
import { AWS_RETRY_AFTER_MS, isOverload } from './overload-errors.js';

/** One item write of a BatchWriteItem call. */
export type WriteRequest = { PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: Record<string, unknown> } };

export interface BatchWriterOptions {
  /** BatchWriteItem calls in flight at once; writes beyond them wait (and keep coalescing). Default 16. */
  maxInFlight?: number;
  /**
   * A part-filled batch goes out only while fewer calls than this are in flight (default 1);
   * otherwise it waits for one to finish and gathers company meanwhile (group commit).
   * An idle writer sends at once; a busy one sends full batches.
   */
  partialInFlight?: number;
  /** How long a part-filled batch waits for company, ms; 0 (default) = until the end of the current event-loop turn. */
  lingerMs?: number;
  /** Tries per item (first call included) while DynamoDB leaves it unprocessed or throttles; then OVERLOADED. Default 8. */
  maxAttempts?: number;
  /** Backoff between tries: full jitter over `baseBackoffMs · 2^try`, capped at `maxBackoffMs`. Defaults 25 and 1000. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Key attributes of the table (default `pk`, `sk`). */
  keyAttributes?: readonly string[];
  random?: () => number;
}

/** One write() call: settled once every item it asked for is written, or one failed. */
interface Waiter {
  remaining: number;
  settled: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The latest write of one item, and every caller waiting for it. */
interface Op {
  key: string;
  request: WriteRequest;
  waiters: Waiter[];
  tries: number;
  /** Sent alone after its batch failed as a whole (so only a bad item fails its own callers). */
  alone: boolean;
}

const BATCH_SIZE = 25;

/**
 * Coalesces item writes (puts and deletes) to one table from many callers into
 * BatchWriteItem calls of up to 25 items, so a connect storm costs one call per 25 items
 * instead of one or more per connection.
 *
 * Contract:
 * - `write(requests)` resolves once every one of its items is written, and rejects if any
 *   of them could not be: each caller learns its own outcome, whoever shared its batch.
 * - Full batches go out at once; a part-filled one at the end of the event-loop turn (or
 *   after `lingerMs`) if the writer is idle, else when a call in flight finishes (group
 *   commit: the busier the store, the fuller the batches). At most `maxInFlight` calls run.
 * - Per item, writes apply in the order they were made: an item whose earlier write is
 *   still in flight waits for it. Two writes of the same item that wait together collapse
 *   into the later one (both callers are told when it is written): the item ends up as
 *   the last write left it, as if both had been applied in turn.
 * - Items DynamoDB leaves unprocessed, and calls it throttles, are retried with backoff
 *   and jitter; after `maxAttempts` tries the callers get OverloadedError (retryAfterMs).
 *   A call that fails for another reason is retried item by item, so only the callers of
 *   the item that is refused get that error.
 */
export class DynamoBatchWriter {
  /** BatchWriteItem calls made and items written (benchmarks and tests read these). */
  readonly stats = { calls: 0, items: 0 };
  private readonly pending = new Map<string, Op>();
  private readonly active = new Map<string, Op>();
  private readonly ready: Op[] = [];
  /** Waiting writes whose item has an earlier write in flight (they cannot go yet). */
  private blocked = 0;
  private inFlight = 0;
  private scheduled = false;
  private readonly maxInFlight: number;
  private readonly partialInFlight: number;
  private readonly lingerMs: number;
  private readonly maxAttempts: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly keyAttributes: readonly string[];
  private readonly random: () => number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    options: BatchWriterOptions = {},
  ) {
    this.maxInFlight = options.maxInFlight ?? 16;
    this.partialInFlight = Math.max(1, Math.min(options.partialInFlight ?? 1, this.maxInFlight));
    this.lingerMs = options.lingerMs ?? 0;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.baseBackoffMs = options.baseBackoffMs ?? 25;
    this.maxBackoffMs = options.maxBackoffMs ?? 1000;
    this.keyAttributes = options.keyAttributes ?? ['pk', 'sk'];
    this.random = options.random ?? Math.random;
  }

  /** Writes the items (puts and deletes); resolves when all of them are written. */
  write(requests: readonly WriteRequest[]): Promise<void> {
    if (requests.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { remaining: requests.length, settled: false, resolve, reject };
      for (const request of requests) this.enqueue(request, waiter);
      this.schedule();
      if (this.sendable() >= BATCH_SIZE) this.flush(false);
    });
  }

  /** Writes waiting or in flight (0 when idle). */
  get backlog(): number {
    return this.pending.size + this.active.size;
  }

  private enqueue(request: WriteRequest, waiter: Waiter): void {
    const key = this.keyOf(request);
    const waiting = this.pending.get(key);
    if (waiting) {
      // The earlier write has not been sent: the later one replaces it, for both callers.
      waiting.request = request;
      waiting.waiters.push(waiter);
      return;
    }
    this.pending.set(key, { key, request, waiters: [waiter], tries: 0, alone: false });
    if (this.active.has(key)) this.blocked++;
  }

  private keyOf(request: WriteRequest): string {
    const item = 'PutRequest' in request ? request.PutRequest.Item : request.DeleteRequest.Key;
    let key = '';
    for (const attr of this.keyAttributes) key += `${String(item[attr])}\u0000`;
    return key;
  }

  /** Items that could go out now (not counting those blocked behind an earlier write in flight). */
  private sendable(): number {
    return this.ready.length + this.pending.size - this.blocked;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.flush(true);
    };
    if (this.lingerMs > 0) setTimeout(run, this.lingerMs);
    else setImmediate(run);
  }

  /**
   * Sends batches while calls are free: full ones, and (when `partial`) a part-filled one
   * if fewer than `partialInFlight` calls are running.
   */
  private flush(partial: boolean): void {
    while (this.inFlight < this.maxInFlight) {
      const batch = this.take(partial && this.inFlight < this.partialInFlight);
      if (batch.length === 0) return;
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        if (this.pending.size > 0 || this.ready.length > 0) this.schedule();
      });
    }
  }

  /** The next batch: retries first, then waiting writes whose item has nothing in flight. */
  private take(partial: boolean): Op[] {
    const solo = this.ready.findIndex((op) => op.alone);
    if (solo >= 0) return this.ready.splice(solo, 1);
    if (!partial && this.sendable() < BATCH_SIZE) return [];
    const batch = this.ready.splice(0, BATCH_SIZE);
    for (const [key, op] of this.pending) {
      if (batch.length >= BATCH_SIZE) break;
      if (this.active.has(key)) continue;
      this.pending.delete(key);
      this.active.set(key, op);
      batch.push(op);
    }
    return batch;
  }

  private async send(batch: Op[]): Promise<void> {
    this.stats.calls++;
    for (const op of batch) op.tries++;
    let unprocessed: WriteRequest[];
    try {
      const out = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: batch.map((op) => op.request) } }));
      unprocessed = (out.UnprocessedItems?.[this.table] ?? []) as WriteRequest[];
    } catch (err) {
      if (isOverload(err)) {
        for (const op of batch) this.retry(op, err);
      } else if (batch.length > 1) {
        for (const op of batch) {
          op.alone = true;
          op.tries--; // a retry to isolate the bad item, not a failure of this one
          this.ready.push(op);
        }
      } else {
        this.finish(batch[0]!, err);
      }
      return;
    }
    const left = new Set(unprocessed.map((r) => this.keyOf(r)));
    for (const op of batch) {
      if (left.has(op.key)) this.retry(op, undefined);
      else {
        this.stats.items++;
        this.finish(op, undefined);
      }
    }
  }

  /** Tries the op again after a backoff, or fails it with OVERLOADED when its tries are spent. */
  private retry(op: Op, cause: unknown): void {
    if (op.tries >= this.maxAttempts) {
      this.finish(op, new OverloadedError(`the sessions store left a write unprocessed ${op.tries} times; retry later`, AWS_RETRY_AFTER_MS, { cause }));
      return;
    }
    const ceiling = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** op.tries);
    setTimeout(() => {
      this.ready.push(op);
      this.schedule();
    }, Math.floor(this.random() * ceiling));
  }

  /** Settles the op's callers, and lets a later write of the same item go. */
  private finish(op: Op, err: unknown): void {
    this.active.delete(op.key);
    if (this.pending.has(op.key)) {
      this.blocked--;
      this.schedule();
    }
    for (const w of op.waiters) {
      if (w.settled) continue;
      if (err !== undefined) {
        w.settled = true;
        w.reject(err);
      } else if (--w.remaining === 0) {
        w.settled = true;
        w.resolve();
      }
    }
  }
}
