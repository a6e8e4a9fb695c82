import type { EdgeImError } from './errors.js';
import type { NotifyEvent, PushEvent, TimelineMessage, TimelineName } from './types.js';

/**
 * The connection state the app shows:
 * `idle` (not started) → `connecting` → `open` ⇄ `reconnecting`; `unauthorized` when the
 * token is refused or expired and the refresh hook gave no new one (the client stops:
 * call `setToken()` and `connect()`); `closed` after `close()` or a fatal disconnect.
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'unauthorized' | 'closed';

/** A state change, with the error that caused it and, when reconnecting, the delay. */
export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
  error?: EdgeImError;
  /** Reconnect attempt number (1 = first retry). */
  attempt?: number;
  retryInMs?: number;
}

/** Events of the client; listen with `client.on(name, fn)`. */
export interface EdgeImEvents {
  /** A new message (1:1, group, room), once per id, in seq order per timeline. */
  message: (m: TimelineMessage) => void;
  /** A large group's timeline moved; the client pulls it already. */
  notify: (n: NotifyEvent) => void;
  /** A transient push from the push API. */
  push: (p: PushEvent) => void;
  state: (s: StateChange) => void;
  error: (e: EdgeImError) => void;
  /** A timeline is caught up with the server (after every (re)connect and each pull). */
  synced: (s: { timeline: TimelineName; head: number }) => void;
}

/** Raises one of the client's events (the client hands its own `emit` to its parts). */
export type EmitEvent = <K extends keyof EdgeImEvents>(event: K, arg: Parameters<EdgeImEvents[K]>[0]) => void;
