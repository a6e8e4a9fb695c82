import type { EdgeImClientOptions } from './client-options.js';
import { asError, type EdgeImError } from './errors.js';
import { AdaptiveHeartbeat, FixedHeartbeat, type HeartbeatPolicy } from './heartbeat.js';
import type { Connection } from './transport.js';

/** How long a heartbeat may take when the app sets no `heartbeatTimeoutMs`. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 10_000;

/**
 * Runs keep-alives on the current connection (the transport's cheapest: WebSocket API
 * `ping`, goim heartbeat), spaced by the `heartbeat` option's policy
 * (made on the first connection and kept across reconnects, so an adaptive interval
 * keeps what it learned). An unanswered heartbeat reports the error and closes the
 * connection, which makes the client reconnect.
 */
export class HeartbeatTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private policy: HeartbeatPolicy | undefined;

  constructor(
    private readonly options: Pick<EdgeImClientOptions, 'heartbeat' | 'heartbeatTimeoutMs' | 'transport'>,
    private readonly isCurrent: (conn: Connection) => boolean,
    private readonly onError: (err: EdgeImError) => void,
  ) {}

  /** Starts heartbeating on a newly opened connection (nothing when `heartbeat` is false). */
  start(conn: Connection): void {
    const opt = this.options.heartbeat;
    if (opt === false) return;
    if (!this.policy) {
      this.policy = typeof opt === 'object' ? new AdaptiveHeartbeat(opt) : new FixedHeartbeat(opt ?? conn.heartbeatHintMs ?? this.options.transport.defaultHeartbeatMs);
    }
    const policy = this.policy;
    const beat = () => {
      this.timer = setTimeout(async () => {
        if (!this.isCurrent(conn)) return;
        try {
          const timeoutMs = this.options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
          if (conn.keepAlive) await conn.keepAlive(timeoutMs);
          else await conn.request('heartbeat', {}, timeoutMs);
          policy.succeeded();
          beat();
        } catch (err) {
          if (!this.isCurrent(conn)) return;
          policy.failed();
          this.onError(asError(err));
          conn.close();
        }
      }, policy.next());
    };
    beat();
  }

  /** Stops the pending heartbeat (the connection closed). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Tells the policy the connection died while idle between heartbeats. */
  failed(): void {
    this.policy?.failed();
  }
}
