import type { SessionStore } from '../shared/domain/ports/session-store.js';
import { ChannelState, type Channel } from './channel.js';
import { disconnectReason, type DisconnectReason } from './disconnect-codes.js';

/** What the watch needs from the gateway. */
export interface FencedTask {
  /** This task's `@connections` endpoint, as written in its sessions ('' before it listens). */
  readonly endpoint: string;
  /** Open connections (closing one while iterating is allowed). */
  openChannels(): Iterable<Channel>;
  close(ch: Channel, reason: DisconnectReason, flushFirst: boolean): void;
}

/** The DisconnectReply of a connection whose session a fence may have removed. */
export function resyncReason(retryAfterMs?: number): DisconnectReason {
  return disconnectReason('RESYNC', 'this connection\'s session was dropped while the server did not answer; reconnect and sync', retryAfterMs);
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
      const closed = resync(task, at);
      this.resynced += closed;
      this.warn('this task was declared unreachable by the fan-out job; connections opened before then reconnect and sync', {
        endpoint: task.endpoint,
        fencedAt: new Date(at).toISOString(),
        closed,
      });
      await this.store.clearFence(task.endpoint, at);
    } catch (error) {
      this.warn('could not check this task\'s fence', { endpoint: task.endpoint, error });
    } finally {
      this.checking = false;
    }
  }
}

/**
 * Closes every open connection `task` opened before `atMs` with DisconnectReply RESYNC,
 * after what was queued for it; their clients come back spread over a window that grows
 * with their number (5 ms each, at most 30 s). Returns how many.
 */
function resync(task: FencedTask, atMs: number): number {
  const stale: Channel[] = [];
  for (const ch of task.openChannels()) if (ch.state === ChannelState.Open && ch.connectedAt < atMs) stale.push(ch);
  const spreadMs = Math.min(30_000, stale.length * 5);
  for (const ch of stale) task.close(ch, resyncReason(Math.floor(Math.random() * spreadMs)), true);
  return stale.length;
}
