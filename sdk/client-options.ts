import type { BackoffOptions } from './backoff.js';
import type { HeartbeatOption } from './heartbeat.js';
import type { ClientStorage } from './storage.js';
import type { Transport } from './transport.js';

/** Options of EdgeImClient; only `transport` and `token` are required. */
export interface EdgeImClientOptions {
  transport: Transport;
  /** A JWT whose `sub` is the user id. */
  token: string;
  /**
   * Called when the token has expired (`'expired'`, checked before each connect) or the
   * server refused it (`'rejected'`). Return a new token to go on, or nothing to stop in
   * the `unauthorized` state. Called at most once per refusal: no reconnect loop.
   */
  refreshToken?: (reason: 'expired' | 'rejected') => Promise<string | null | undefined> | string | null | undefined;
  /** Local cache of history and seq pointers (default: MemoryStorage). */
  storage?: ClientStorage;
  /**
   * Keep-alive interval: a fixed interval in ms, `{adaptive: true}` (60–300 s, step 30 s),
   * or false. Default: the transport's (WebSocket API: a `ping` every 9 min; goim: the
   * gateway's hint).
   */
  heartbeat?: HeartbeatOption;
  /** Time a heartbeat may take before the connection counts as dead (default 10 s). */
  heartbeatTimeoutMs?: number;
  /** Reconnect delays (exponential, full jitter); `maxMs` also caps the jitter added to a server's `retryAfterMs`. */
  backoff?: BackoffOptions;
  /** Sends waiting for a connection or a reply, at most (default 100); more reject with QUEUE_FULL. */
  maxQueuedSends?: number;
  /** Times one send is retried after RATE_LIMITED / OVERLOADED with `retryAfterMs` (default 5); then it rejects with that code. */
  maxSendRetries?: number;
  /** Default 15 s. */
  requestTimeoutMs?: number;
  /** `sync` page size, 1–200 (default 200). */
  syncPageSize?: number;
  /** How long a gap may wait for the missing pushes before the client re-pulls (default 250 ms). */
  gapGraceMs?: number;
  /** Acks are batched and sent this often, one per timeline and kind (default 3 s). */
  ackIntervalMs?: number;
  /**
   * Which messages the client acks as delivered on its own: `'direct'` (default) the ones
   * others sent you in 1:1 conversations (what a sender's "delivered" tick needs; the ack
   * covers everything before it in the timeline), `true` every message, `false` none.
   * Read acks are the app's (`markRead`).
   */
  autoAckDelivered?: boolean | 'direct';
  /** Large groups whose timelines to sync (their `notify` also adds them). */
  follow?: string[];
}
