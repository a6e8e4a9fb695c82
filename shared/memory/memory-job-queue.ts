import type { Job } from '../domain/model.js';
import { systemClock, type Clock } from '../domain/ports/clock.js';
import type { JobQueue } from '../domain/ports/job-queue.js';

/** SQS FIFO's deduplication window, counted from a (group, dedup) pair's first enqueue. */
export const DEDUP_WINDOW_MS = 5 * 60_000;

/** A job as the queue hands it out. */
export interface QueuedJob {
  job: Job;
  group: string;
  dedup: string;
  /** 1: handed out for the first time (memory never hands a job out again). */
  receiveCount: number;
}

/**
 * The JobQueue contract (ports/job-queue.ts) in one process's memory, for one consumer
 * that takes jobs in turn: jobs wait in enqueue order (so each group's are in order,
 * and one at a time when taken one at a time); a (group, dedup) pair enqueued within
 * DEDUP_WINDOW_MS of its first enqueue is dropped, even if that job was taken already;
 * group and dedup ids are taken as they are (any characters). A job is stored as its JSON (what SQS carries), so later changes to
 * the caller's object do not reach it.
 */
export class MemoryJobQueue implements JobQueue {
  private readonly waiting: QueuedJob[] = [];
  /** `[group, dedup]` JSON → first enqueue, epoch ms. */
  private readonly seen = new Map<string, number>();
  /** Enqueues dropped as duplicates. */
  dropped = 0;

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly dedupWindowMs = DEDUP_WINDOW_MS,
  ) {}

  async enqueue(job: Job, options: { group: string; dedup: string }): Promise<void> {
    const now = this.clock.now();
    const key = JSON.stringify([options.group, options.dedup]);
    const first = this.seen.get(key);
    if (first !== undefined && now - first < this.dedupWindowMs) {
      this.dropped++;
      return;
    }
    this.seen.set(key, now);
    this.waiting.push({ job: JSON.parse(JSON.stringify(job)) as Job, ...options, receiveCount: 1 });
  }

  /** How many jobs wait. */
  get size(): number {
    return this.waiting.length;
  }

  /** The jobs waiting, oldest first (not taken). */
  peek(): readonly QueuedJob[] {
    return this.waiting;
  }

  /** Takes the oldest waiting job, or undefined when none waits. */
  take(): QueuedJob | undefined {
    return this.waiting.shift();
  }

  /** Takes every waiting job, oldest first. */
  drain(): QueuedJob[] {
    return this.waiting.splice(0);
  }
}
