import type { App } from '../shared/app.js';
import type { Deps } from '../shared/domain/deps.js';
import type { Session } from '../shared/domain/model.js';
import { Op, type Packet } from '../shared/protocol/goim/index.js';
import { Admission } from './admission.js';
import { ChannelState, type Channel } from './channel.js';
import { ConnectionTable } from './connection-table.js';
import { disconnectReason, type DisconnectReason } from './disconnect-codes.js';
import { dispatch, type RequestHost } from './dispatch.js';
import { RequestFailedError } from './errors.js';
import { FenceWatch, type FencedTask } from './fence-watch.js';
import type { OutPacket } from './frame-packets.js';
import { textPacket } from './frame-packets.js';
import type { GatewayOptions } from './options.js';
import { Outbound } from './outbound.js';
import { QueueBudget } from './queue-budget.js';
import { ReplayGuard } from './replay-guard.js';
import { RequestQueue } from './request-queue.js';

/**
 * One gateway task: the connection lifecycle (accept → auth → open → close → forget)
 * over the task's connection table (connections, rooms, sessions: connection-table.ts),
 * with the outbound queue and the task's bounds. Transports (TCP, WebSocket) feed it
 * packets; the internal API feeds it deliveries.
 */
export class Gateway implements RequestHost, FencedTask {
  /** The connections of this task, their rooms and sessions. */
  readonly connections: ConnectionTable;
  /** The domain deps as gateway requests see them (sessions through the session layer). */
  readonly deps: Deps;
  /** Admission control at Auth: OVERLOADED instead of connects that cannot finish in time. */
  readonly admission: Admission;
  /** Bytes queued by all connections together (queue-budget.ts). */
  readonly budget: QueueBudget;
  /** Nonces of the internal API's signed calls, so none is taken twice (replay-guard.ts). */
  readonly replays = new ReplayGuard();
  private readonly outbound: Outbound;
  /** This task's endpoint fence, read on each sweep (fence-watch.ts). */
  private readonly fences: FenceWatch;
  private readonly requests: RequestQueue;
  private draining = false;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    readonly app: App,
    readonly options: GatewayOptions,
  ) {
    this.outbound = new Outbound(
      { windowMs: options.mergeWindowMs, maxFrames: options.mergeMaxFrames, maxBytes: options.maxOutboundBytes },
      (ch) => this.close(ch, disconnectReason('SLOW_CONSUMER', 'outbound queue full; reconnect and sync: inbox messages are kept for sync; room messages are not'), false),
    );
    const warn = (message: string, extra: Record<string, unknown>) => app.logger.warn(message, extra);
    this.connections = new ConnectionTable(options, {
      store: app.sessions,
      clock: app.clock,
      settings: app.settings,
      fencedBefore: () => this.fences.fencedBefore,
      deliver: (ch, packets) => this.deliver(ch, packets),
      warn,
    });
    this.fences = new FenceWatch(this.connections.sessions, warn);
    this.deps = { ...app, sessions: this.connections.sessions };
    this.admission = new Admission({
      maxPendingAuths: options.maxPendingAuths,
      maxEventLoopDelayMs: options.maxEventLoopDelayMs,
      retryAfterMs: options.overloadRetryMs,
    });
    this.budget = new QueueBudget(
      { maxBytes: options.maxQueuedBytes },
      {
        channels: () => this.connections.transportChannels(),
        evict: (ch) => {
          const reason = disconnectReason('RATE_LIMITED', 'the server holds too much queued for its connections and this one holds the most; read what is sent, send less', this.spreadRetryMs(options.overloadRetryMs));
          this.close(ch, reason, false, Math.min(1000, options.closeLingerMs));
        },
        destroy: (ch) => ch.destroy(),
      },
    );
    this.requests = new RequestQueue(options, {
      run: (ch, p) => dispatch(this, ch, p),
      close: (ch, reason) => this.close(ch, reason, true),
      note: (ch) => this.budget.note(ch),
      failed: (p, cause) => app.logger.error('gateway request failed', { op: p.op, error: new RequestFailedError(p.op, { cause }) }),
    });
  }

  /** An open connection by id (connection-table.ts). */
  channel(connectionId: string): Channel | undefined {
    return this.connections.channel(connectionId);
  }

  /** This task's `@connections` endpoint, as written in its sessions ('' before it listens). */
  get endpoint(): string {
    return this.connections.endpoint;
  }

  /** Open connections, for the sweep and the fence check. */
  openChannels(): Iterable<Channel> {
    return this.connections.openChannels();
  }

  /** Whether the task is shutting down (`/healthz` answers 503, new connections are dropped). */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Starts the sweep (see `sweep`) once the task listens at `endpoint`. */
  start(endpoint: string): void {
    this.connections.listenAt(endpoint);
    this.sweeper = setInterval(() => this.sweep(), this.sweepIntervalMs);
    this.sweeper.unref();
    this.admission.start();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    this.admission.stop();
    this.budget.stop();
  }

  /** A retry hint in [ms, 2·ms), so clients told at the same moment do not come back together. */
  spreadRetryMs(ms: number): number {
    return Math.round(ms * (1 + Math.random()));
  }

  /** How often the sweep runs: a quarter of the heartbeat timeout, between 20 ms and 30 s. */
  get sweepIntervalMs(): number {
    return Math.min(30_000, Math.max(20, Math.floor(this.options.heartbeatTimeoutMs / 4)));
  }

  /**
   * A new transport connection: it has `handshakeTimeoutMs` to send Auth. The timeout
   * covers the client only: it stops when Auth arrives, however long the server then
   * takes to check it (admission control bounds that instead).
   */
  accept(ch: Channel): void {
    if (this.draining) {
      ch.destroy();
      return;
    }
    this.connections.accept(ch);
    ch.handshakeTimer = setTimeout(handshakeExpired, this.options.handshakeTimeoutMs, this, ch);
  }

  /** Auth arrived: the connection is authenticating; the handshake timeout no longer applies. */
  authReceived(ch: Channel): void {
    ch.state = ChannelState.Authenticating;
    if (ch.handshakeTimer) clearTimeout(ch.handshakeTimer);
    ch.handshakeTimer = null;
  }

  /** A packet from the client: once open (or Auth before), queued to run in order within the connection's bounds (request-queue.ts). */
  onPacket(ch: Channel, p: Packet): void {
    if (ch.state >= ChannelState.Closing) return;
    const now = Date.now();
    ch.lastActive = now;
    if (ch.state === ChannelState.Handshake && p.op !== Op.Auth) return; // goim ignores other ops before auth
    this.requests.push(ch, p, now);
  }

  /** Sends one packet to a channel through the outbound queue (keeps order with pushes). */
  send(ch: Channel, buf: Buffer): boolean {
    const queued = this.outbound.enqueue(ch, buf);
    if (queued) this.budget.note(ch);
    return queued;
  }

  /** Delivers translated packets to one channel, applying its accepts; false if it is gone. */
  deliver(ch: Channel, packets: readonly OutPacket[]): boolean {
    if (ch.state !== ChannelState.Open) return false;
    for (let i = 0; i < packets.length; i++) {
      const p = packets[i]!;
      if (p.filterOp !== 0 && (ch.accepts === null || !ch.accepts.has(p.filterOp))) continue;
      if (!this.outbound.enqueue(ch, p.buf)) return false;
    }
    this.budget.note(ch);
    return true;
  }

  /** Delivers translated packets to this task's members of a room but `except` (room pushes: no accepts); returns how many took them. */
  broadcastRoom(rid: string, packets: readonly OutPacket[], except: string | null): number {
    return this.connections.broadcastRoom(rid, packets, except);
  }

  /**
   * Closes a connection on purpose: optionally flushes what is queued, sends a
   * DisconnectReply with `reason`, half-closes, and forgets the session.
   */
  close(ch: Channel, reason: DisconnectReason | null, flushFirst: boolean, lingerMs = this.options.closeLingerMs): void {
    if (ch.state >= ChannelState.Closing) return;
    if (flushFirst) this.outbound.flushChannel(ch);
    else this.outbound.discard(ch);
    ch.state = ChannelState.Closing;
    if (reason) ch.writeOne(textPacket(Op.DisconnectReply, JSON.stringify(reason)));
    ch.end(lingerMs);
    this.forget(ch);
  }

  /** The transport closed (client went away, or after close()). */
  onTransportClosed(ch: Channel): void {
    ch.state = ChannelState.Closed;
    this.connections.transportClosed(ch);
    this.outbound.discard(ch);
    this.budget.release(ch);
    this.forget(ch);
  }

  /** Deletes a session this task wrote (no read first), tracked so shutdown can wait for it. */
  removeSession(connectionId: string, known: Session): void {
    this.connections.removeSession(connectionId, known);
  }

  /**
   * Shutdown, first step: drops new connections and stops the timers; every connection
   * gets what is queued for it, then DisconnectReply SERVER_SHUTDOWN, and is half-closed.
   */
  drain(): void {
    this.draining = true;
    this.stop();
    this.outbound.flush();
    for (const ch of [...this.connections.transportChannels()]) {
      this.close(ch, disconnectReason('SERVER_SHUTDOWN', 'server is shutting down; reconnect'), true);
    }
  }

  /** The handshake timer no longer applies; the table forgets the channel (once). */
  private forget(ch: Channel): void {
    if (ch.handshakeTimer) clearTimeout(ch.handshakeTimer);
    ch.handshakeTimer = null;
    this.connections.close(ch);
  }

  /**
   * Every `sweepIntervalMs`: closes silent connections (HEARTBEAT_TIMEOUT), connections
   * whose token has expired (TOKEN_EXPIRED) or that reached their age cap (MAX_AGE),
   * renews sessions half way to expiry, and checks this task's fence (one read). The
   * interval bounds how late each of these comes.
   */
  private sweep(): void {
    const now = Date.now();
    const silentBefore = now - this.options.heartbeatTimeoutMs;
    const renewBefore = Math.floor(now / 1000) + Math.floor(this.options.sessionTtlSeconds / 2);
    for (const ch of this.connections.openChannels()) {
      if (ch.state !== ChannelState.Open) continue;
      if (ch.lastActive < silentBefore) {
        this.close(ch, disconnectReason('HEARTBEAT_TIMEOUT', 'no heartbeat within the timeout'), true);
      } else if (ch.tokenExpiresAt <= now) {
        this.close(ch, disconnectReason('TOKEN_EXPIRED', 'the token this connection authenticated with has expired; reconnect with a fresh one'), true);
      } else if (ch.retireAt <= now) {
        this.close(ch, disconnectReason('MAX_AGE', 'the connection reached its maximum age; reconnect'), true);
      } else if (ch.expiresAt < renewBefore && !ch.busy) {
        // (Not while a request runs: a join in flight would race the rewrite of its rooms; next sweep.)
        this.connections.renew(ch, now);
      }
    }
    this.connections.sessions.prune(now);
    void this.fences.check(this, now);
  }
}

/**
 * The handshake timer fired. A busy server may run this before it has read an Auth that
 * arrived in time (timers run before I/O in an event-loop turn), so the verdict waits
 * for the I/O of this turn (setImmediate runs after it): only a client that really sent
 * no Auth is closed.
 */
function handshakeExpired(gw: Gateway, ch: Channel): void {
  ch.handshakeTimer = null;
  if (ch.state === ChannelState.Handshake) setImmediate(handshakeVerdict, gw, ch);
}

function handshakeVerdict(gw: Gateway, ch: Channel): void {
  if (ch.state === ChannelState.Handshake) {
    gw.close(ch, disconnectReason('HANDSHAKE_TIMEOUT', 'no auth within the handshake timeout'), false);
  }
}
