import { OverloadedError } from '../shared/errors.js';
import type { Job } from '../shared/domain/model.js';
import type { JobQueue } from '../shared/domain/ports/job-queue.js';

/**
 * The job queue as the edges see it while the local runtime stops: every enqueue is the
 * moment a send or push is accepted, so closing this gate stops accepting work on every
 * edge at once (WebSocket API, gateway, push API). Later sends fail with OVERLOADED and
 * a retry hint; the client resends the same cmid to the next run, which accepts it
 * exactly once (a send recorded but refused here is enqueued by its repeat).
 */
export class EnqueueGate implements JobQueue {
  private open = true;
  private readonly underway = new Set<Promise<void>>();

  constructor(
    private readonly inner: JobQueue,
    private readonly retryAfterMs = 2000,
  ) {}

  async enqueue(job: Job, options: { group: string; dedup: string }): Promise<void> {
    if (!this.open) throw new OverloadedError('the server is stopping; send again shortly', this.retryAfterMs);
    const sending = this.inner.enqueue(job, options);
    this.underway.add(sending);
    try {
      await sending;
    } finally {
      this.underway.delete(sending);
    }
  }

  /** Refuses every later enqueue; resolves once the enqueues under way have settled. */
  async close(): Promise<void> {
    this.open = false;
    await Promise.allSettled([...this.underway]);
  }
}
