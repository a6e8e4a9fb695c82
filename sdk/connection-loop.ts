import { backoffDelay, retryAfterDelay } from './backoff.js';
import type { ConnectionState, EmitEvent, StateChange } from './client-events.js';
import type { EdgeImClientOptions } from './client-options.js';
import { DisconnectCode } from './disconnect-codes.js';
import { asError, EdgeImError } from './errors.js';
import { HeartbeatTimer } from './heartbeat-timer.js';
import { tokenExpired } from './token.js';
import type { CloseReason, Connection, UnreadableFrame } from './transport.js';
import type { ServerFrame } from './types.js';

/** What the connection loop needs from the client around it. */
export interface ConnectionLoopHooks {
  /** Awaited before the first attempt of each run (the stored seq pointers load). */
  ready(): Promise<void>;
  /** The token to connect with. */
  token(): string;
  /** Takes the token the refresh hook returned. */
  setToken(token: string): void;
  /** A frame pushed on the current connection. */
  frame(frame: ServerFrame | UnreadableFrame): void;
  /** A connection opened and heartbeats started: rejoin, resend, resync. */
  opened(conn: Connection): Promise<void>;
  /** The connection went away (before the loop decides what to do next). */
  down(): void;
  emit: EmitEvent;
}

/**
 * The connection life cycle: opens a connection with the token, heartbeats it, and
 * reconnects with exponential backoff and full jitter until `close()`. Refreshes the
 * token once per refusal (expired before a connect, rejected by the server, or an open
 * connection closed by the server because its token expired) and stops
 * in `unauthorized` when that gives none; stops in `closed` on a configuration error
 * (nothing to retry) or when the server says not to come back (DisconnectReply
 * `reconnect: false`). A server's `retryAfterMs` (OVERLOADED, SERVER_SHUTDOWN…) is a
 * floor under the next delay, with jitter. Owns the connection state and the current
 * connection.
 */
export class ConnectionLoop {
  private _state: ConnectionState = 'idle';
  private _conn: Connection | undefined;
  private wanted = false;
  private generation = 0;
  private wake: (() => void) | undefined;
  private openWaiters: { resolve: () => void; reject: (e: EdgeImError) => void }[] = [];
  private readonly heartbeat: HeartbeatTimer;

  constructor(
    private readonly options: Pick<EdgeImClientOptions, 'transport' | 'refreshToken' | 'backoff' | 'heartbeat' | 'heartbeatTimeoutMs'>,
    private readonly hooks: ConnectionLoopHooks,
  ) {
    this.heartbeat = new HeartbeatTimer(options, (conn) => this._conn === conn, (err) => this.hooks.emit('error', err));
  }

  /** The current connection state. */
  get state(): ConnectionState {
    return this._state;
  }

  /** The open connection, if any. */
  get conn(): Connection | undefined {
    return this._conn;
  }

  /** Starts the loop unless it runs; resolves once a connection is open. */
  connect(): Promise<void> {
    const opened = new Promise<void>((resolve, reject) => this.openWaiters.push({ resolve, reject }));
    if (this._state === 'open') this.settleOpen();
    if (!this.wanted) {
      this.wanted = true;
      void this.run(++this.generation);
    }
    return opened;
  }

  /** Cuts the current backoff wait short: the next attempt starts now (no-op unless waiting). */
  retryNow(): void {
    this.wake?.();
  }

  /** Stops the loop, closes the connection and rejects `connect()` waiters with `error`. */
  close(error: EdgeImError): void {
    this.wanted = false;
    this.generation++;
    this.wake?.();
    this.heartbeat.stop();
    const conn = this._conn;
    this._conn = undefined;
    conn?.close();
    this.setState('closed');
    this.settleOpen(error);
  }

  private async run(gen: number): Promise<void> {
    await this.hooks.ready();
    let attempt = 0;
    let refreshed = false;
    let everOpened = false;
    while (this.wanted && gen === this.generation) {
      this.setState(everOpened || attempt > 0 ? 'reconnecting' : 'connecting', { attempt });
      // The local clock only decides when to ask for a new token; once the hook gave one,
      // the server judges it (a device clock running ahead must not lock the user out).
      if (!refreshed && tokenExpired(this.hooks.token())) {
        if (!(await this.refresh('expired'))) return this.unauthorized(new EdgeImError('UNAUTHORIZED', 'the token has expired'));
        refreshed = true;
        if (gen !== this.generation) return;
      }
      let closed!: Promise<CloseReason>;
      let conn: Connection;
      try {
        let onClose!: (r: CloseReason) => void;
        closed = new Promise((r) => (onClose = r));
        conn = await this.options.transport.connect(this.hooks.token(), {
          onFrame: (f) => {
            if (this._conn === conn) this.hooks.frame(f);
          },
          onClose,
        });
      } catch (err) {
        const e = err instanceof EdgeImError ? err : new EdgeImError('NETWORK', String(err), { cause: err });
        if (gen !== this.generation) return;
        if (e.code === 'CONFIGURATION' || e.code === 'CLOSED') return this.stop(e);
        if (e.code === 'UNAUTHORIZED') {
          if (!refreshed && (await this.refresh('rejected'))) {
            refreshed = true;
            continue;
          }
          return this.unauthorized(e);
        }
        this.hooks.emit('error', e);
        await this.pause(attempt++, e, e.retryAfterMs);
        continue;
      }
      if (gen !== this.generation) return conn.close();
      attempt = 0;
      refreshed = false;
      everOpened = true;
      this._conn = conn;
      this.setState('open');
      this.settleOpen();
      this.heartbeat.start(conn);
      void this.hooks.opened(conn);
      const reason = await closed;
      if (this._conn === conn) this._conn = undefined;
      this.heartbeat.stop();
      this.hooks.down();
      if (gen !== this.generation) return;
      if (reason.code === '1006' || reason.code === 'CLOSED' || reason.code === DisconnectCode.HeartbeatTimeout) this.heartbeat.failed();
      const error = new EdgeImError(reason.unauthorized ? 'UNAUTHORIZED' : reason.reconnect ? 'DISCONNECTED' : 'CLOSED', `${reason.code}: ${reason.message}`, {
        retryAfterMs: reason.retryAfterMs,
      });
      if (reason.unauthorized) {
        if (await this.refresh('rejected')) {
          refreshed = true;
          continue;
        }
        return this.unauthorized(error);
      }
      if (!reason.reconnect) return this.stop(error);
      if (reason.expired) {
        // closed because the token expired (goim TOKEN_EXPIRED): a fresh token first, then come back
        if (!(await this.refresh('expired'))) return this.unauthorized(new EdgeImError('UNAUTHORIZED', error.message));
        if (gen !== this.generation) return;
        refreshed = true;
      }
      await this.pause(attempt++, error, reason.retryAfterMs);
    }
  }

  /** Waits before the next attempt: backoff with full jitter, at least `retryAfterMs` plus jitter when the server named one. */
  private async pause(attempt: number, error: EdgeImError, retryAfterMs: number | undefined): Promise<void> {
    const backoff = backoffDelay(attempt, this.options.backoff);
    const delay = retryAfterMs === undefined ? backoff : Math.max(backoff, retryAfterDelay(retryAfterMs, this.options.backoff));
    this.setState('reconnecting', { error, attempt: attempt + 1, retryInMs: delay });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => ((this.wake = undefined), resolve()), delay);
      this.wake = () => (clearTimeout(timer), (this.wake = undefined), resolve());
    });
  }

  /** Stops for good: nothing to retry (a configuration error, or the server said not to come back). */
  private stop(error: EdgeImError): void {
    this.wanted = false;
    this.hooks.emit('error', error);
    this.setState('closed', { error });
    this.settleOpen(error);
  }

  private async refresh(reason: 'expired' | 'rejected'): Promise<boolean> {
    if (!this.options.refreshToken) return false;
    try {
      const token = await this.options.refreshToken(reason);
      if (!token) return false;
      this.hooks.setToken(token);
      return true;
    } catch (err) {
      this.hooks.emit('error', asError(err));
      return false;
    }
  }

  private unauthorized(error: EdgeImError): void {
    this.wanted = false;
    this.hooks.emit('error', error);
    this.setState('unauthorized', { error });
    this.settleOpen(error);
  }

  private setState(state: ConnectionState, extra: Omit<StateChange, 'state' | 'previous'> = {}): void {
    const previous = this._state;
    if (previous === state && state !== 'reconnecting') return;
    this._state = state;
    this.hooks.emit('state', { state, previous, ...extra });
  }

  private settleOpen(error?: EdgeImError): void {
    const waiters = this.openWaiters;
    this.openWaiters = [];
    for (const w of waiters) error ? w.reject(error) : w.resolve();
  }
}
