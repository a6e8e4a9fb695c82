import type { SessionStore } from '../shared/domain/ports/session-store.js';

/** What the watch needs from the gateway. */
export interface FencedTask {
  /** This task's `@connections` endpoint, as written in its sessions ('' before it listens). */
  readonly endpoint: string;
  /** Closes every open connection opened before `atMs` with DisconnectReply RESYNC; returns how many. */
  resync(atMs: number): number;
}

/**
 * The task's side of endpoint fences (SessionStore contract). A fan-out job that could
 * not reach this task in time (EDGEIM_DELIVERY_TIMEOUT_MS) declared it dead: it fenced
 * the endpoint and removed the sessions it was delivering to. If this task is alive
 * after all (it was stalled: a long GC pause, a starved CPU, a connect storm's lag), its
 * clients are connected but nobody can find them. So, once per sweep, the task reads its
 * own fence (one GetItem per task per sweep interval, never per connection); when there
 * is one it closes every connection opened before the fence time (DisconnectReply RESYNC,
 * reconnect: the clients come back with fresh sessions and `sync` what they missed) and
 * clears the fence.
 *
 * Why "opened before the fence time" is enough: the job removes only sessions it read
 * before it called the task, and it gives up (the fence time) a whole delivery timeout
 * later, so every removed session belongs to a connection opened before the fence time,
 * by any clock skew smaller than that timeout.
 */
export class FenceWatch {
  /** The latest fence time seen (epoch ms; 0 = none): a connection whose session was written before it is closed as it opens. */
  fencedBefore = 0;
  /** Connections closed RESYNC so far. */
  resynced = 0;
  private checking = false;

  constructor(
    private readonly store: Pick<SessionStore, 'endpointFence' | 'clearFence'>,
    private readonly warn: (message: string, extra: Record<string, unknown>) => void,
  ) {}

  /** Reads the fence, acts on it and clears it; never rejects; a check still running makes this a no-op. */
  async check(task: FencedTask, nowMs: number): Promise<void> {
    if (this.checking || task.endpoint === '') return;
    this.checking = true;
    try {
      const at = await this.store.endpointFence(task.endpoint, nowMs);
      if (at === undefined) return;
      if (at > this.fencedBefore) this.fencedBefore = at;
      const closed = task.resync(at);
      this.resynced += closed;
      this.warn('this task was declared unreachable by the fan-out job; connections opened before then reconnect and sync', {
        endpoint: task.endpoint,
        fencedAt: new Date(at).toISOString(),
        closed,
      });
      await this.store.clearFence(task.endpoint, at);
    } catch (err) {
      this.warn('could not check this task\'s fence', { endpoint: task.endpoint, err: String(err) });
    } finally {
      this.checking = false;
    }
  }
}
