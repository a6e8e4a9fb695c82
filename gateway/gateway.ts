import type { App } from '../shared/app.js';
import type { Session } from '../shared/domain/model.js';
import { disconnect } from '../shared/domain/connections.js';
import type { Deps } from '../shared/domain/deps.js';
import { Op, type Packet } from '../shared/protocol/goim/index.js';
import { takeToken } from '../shared/domain/token-bucket.js';
import { Admission } from './admission.js';
import { ChannelState, type Channel, type PendingRequest } from './channel.js';
import { disconnectReason, type DisconnectReason } from './disconnect-codes.js';
import { dispatch } from './dispatch.js';
import type { OutPacket } from './frame-packets.js';
import { textPacket } from './frame-packets.js';
import { GatewaySessions, sessionOf } from './gateway-sessions.js';
import type { GatewayOptions } from './options.js';
import { Outbound } from './outbound.js';
import { LocalRooms } from './rooms.js';

/**
 * The state of one gateway task: its connections, their rooms, the outbound queue and
 * the connection lifecycle (accept → auth → open → close → forget). Transports
 * (TCP, WebSocket) feed it packets; the internal API feeds it deliveries.
 */
export class Gateway {
  /** Every transport connection until its socket closes, authenticated or not (shutdown reaches them all). */
  readonly all = new Set<Channel>();
  /** Authenticated connections by connection id. */
  readonly channels = new Map<string, Channel>();
  readonly rooms = new LocalRooms();
  readonly outbound: Outbound;
  readonly sessions: GatewaySessions;
  /** The domain deps as gateway requests see them (sessions through GatewaySessions). */
  readonly deps: Deps;
  /** Session removals in flight (shutdown waits for them). */
  readonly removals = new Set<Promise<void>>();
  /** Admission control at Auth: OVERLOADED instead of connects that cannot finish in time. */
  readonly admission: Admission;
  endpoint = '';
  draining = false;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    readonly app: App,
    readonly options: GatewayOptions,
  ) {
    this.outbound = new Outbound(
      { windowMs: options.mergeWindowMs, maxFrames: options.mergeMaxFrames, maxBytes: options.maxOutboundBytes },
      (ch) => this.close(ch, disconnectReason('SLOW_CONSUMER', 'outbound queue full; reconnect and sync: inbox messages are kept for sync; room messages are not'), false),
    );
    this.sessions = new GatewaySessions(app.sessions, this, this.rooms, options.roomCountTtlMs);
    this.deps = { ...app, sessions: this.sessions };
    this.admission = new Admission({
      maxPendingAuths: options.maxPendingAuths,
      maxEventLoopDelayMs: options.maxEventLoopDelayMs,
      retryAfterMs: options.overloadRetryMs,
    });
  }

  channel(connectionId: string): Channel | undefined {
    return this.channels.get(connectionId);
  }

  /** Starts the sweep that closes silent connections and renews sessions. */
  start(): void {
    const every = Math.min(30_000, Math.max(20, Math.floor(this.options.heartbeatTimeoutMs / 4)));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
    this.admission.start();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    this.admission.stop();
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
    this.all.add(ch);
    ch.handshakeTimer = setTimeout(handshakeExpired, this.options.handshakeTimeoutMs, this, ch);
  }

  /** Auth arrived: the handshake timeout no longer applies. */
  authReceived(ch: Channel): void {
    if (ch.handshakeTimer) clearTimeout(ch.handshakeTimer);
    ch.handshakeTimer = null;
  }

  /**
   * A packet from the client. Requests run one at a time per connection, in order.
   *
   * Bounds per connection, so no client can grow the task's memory or hog it:
   * - a request budget (token bucket, `rateLimit`): a request over it still takes its
   *   turn (replies stay in order, its id echoed) but is answered RATE_LIMITED with
   *   `retryAfterMs` and never reaches the domain;
   * - at most `maxPendingRequests` requests and `maxPendingBytes` of their bodies
   *   waiting behind the running one: a client pipelining past that is closed with
   *   DisconnectReply RATE_LIMITED (after what was already queued for it).
   */
  onPacket(ch: Channel, p: Packet): void {
    if (ch.state >= ChannelState.Closing) return;
    const now = Date.now();
    ch.lastActive = now;
    if (ch.state === ChannelState.Handshake && p.op !== Op.Auth) return; // goim ignores other ops before auth
    const retryAfterMs = this.admit(ch, now);
    if (ch.busy) {
      const queued = ch.requests?.length ?? 0;
      const bytes = p.body.length;
      if (queued >= this.options.maxPendingRequests || ch.pendingBytes + bytes > this.options.maxPendingBytes) {
        const wait = Math.max(retryAfterMs, this.pendingRetryAfterMs());
        this.close(ch, disconnectReason('RATE_LIMITED', `more than ${this.options.maxPendingRequests} requests or ${this.options.maxPendingBytes} bytes waiting; wait for replies`, wait), true);
        return;
      }
      ch.pendingBytes += bytes;
      (ch.requests ??= []).push(pending(p, retryAfterMs));
      return;
    }
    void this.run(ch, pending(p, retryAfterMs));
  }

  /** Takes one token of the connection's request budget: 0 when taken, else the wait in ms. */
  private admit(ch: Channel, now: number): number {
    const limit = this.options.rateLimit;
    if (limit.perSecond <= 0) return 0;
    const bucket = { tokens: ch.tokens < 0 ? limit.burst : ch.tokens, at: ch.tokensAt };
    const wait = takeToken(bucket, limit, now);
    ch.tokens = bucket.tokens;
    ch.tokensAt = bucket.at;
    return wait;
  }

  /** How long a client closed for pipelining should wait: the time its budget takes to serve a full queue. */
  private pendingRetryAfterMs(): number {
    const perSecond = this.options.rateLimit.perSecond;
    return perSecond > 0 ? Math.ceil((this.options.maxPendingRequests / perSecond) * 1000) : 1000;
  }

  private async run(ch: Channel, first: PendingRequest): Promise<void> {
    ch.busy = true;
    let p: PendingRequest | undefined = first;
    while (p !== undefined) {
      try {
        await dispatch(this, ch, p);
      } catch (err) {
        this.app.logger.error('gateway request failed', { op: p.op, err: String(err) });
      }
      if (ch.state >= ChannelState.Closing) break;
      p = ch.requests?.shift();
      if (p !== undefined) ch.pendingBytes -= p.body.length;
      if (ch.requests?.length === 0) ch.requests = null;
    }
    ch.requests = null;
    ch.pendingBytes = 0;
    ch.busy = false;
  }

  /** Sends one packet to a channel through the outbound queue (keeps order with pushes). */
  send(ch: Channel, buf: Buffer): boolean {
    return this.outbound.enqueue(ch, buf);
  }

  /** Delivers translated packets to one channel, applying its accepts; false if it is gone. */
  deliver(ch: Channel, packets: readonly OutPacket[]): boolean {
    if (ch.state !== ChannelState.Open) return false;
    for (let i = 0; i < packets.length; i++) {
      const p = packets[i]!;
      if (p.filterOp !== 0 && (ch.accepts === null || !ch.accepts.has(p.filterOp))) continue;
      if (!this.outbound.enqueue(ch, p.buf)) return false;
    }
    return true;
  }

  /**
   * Closes a connection on purpose: optionally flushes what is queued, sends a
   * DisconnectReply with `reason`, half-closes, and forgets the session.
   */
  close(ch: Channel, reason: DisconnectReason | null, flushFirst: boolean): void {
    if (ch.state >= ChannelState.Closing) return;
    if (flushFirst) this.outbound.flushChannel(ch);
    else this.outbound.discard(ch);
    ch.state = ChannelState.Closing;
    if (reason) ch.writeOne(textPacket(Op.DisconnectReply, JSON.stringify(reason)));
    ch.end(this.options.closeLingerMs);
    this.forget(ch);
  }

  /** The transport closed (client went away, or after close()). */
  onTransportClosed(ch: Channel): void {
    ch.state = ChannelState.Closed;
    this.all.delete(ch);
    this.outbound.discard(ch);
    this.forget(ch);
  }

  /** Removes a channel from every index and deletes its session (once). */
  private forget(ch: Channel): void {
    if (ch.forgotten) return;
    ch.forgotten = true;
    if (ch.handshakeTimer) clearTimeout(ch.handshakeTimer);
    ch.handshakeTimer = null;
    if (ch.id === '') return;
    if (this.channels.get(ch.id) === ch) this.channels.delete(ch.id);
    for (const rid of ch.rooms) this.rooms.remove(rid, ch);
    this.removeSession(ch.id, sessionOf(ch, this.endpoint));
  }

  /** Deletes a session (known to this task: no read first), tracked so shutdown can wait for it. */
  removeSession(connectionId: string, known: Session): void {
    const done: Promise<void> = disconnect(this.deps, connectionId, known)
      .catch((err: unknown) => this.app.logger.warn('could not remove gateway session', { connectionId, err: String(err) }))
      .finally(() => this.removals.delete(done));
    this.removals.add(done);
  }

  /** Closes silent connections and renews sessions that are half way to expiry. */
  private sweep(): void {
    const now = Date.now();
    const silentBefore = now - this.options.heartbeatTimeoutMs;
    const renewBefore = Math.floor(now / 1000) + Math.floor(this.options.sessionTtlSeconds / 2);
    for (const ch of this.channels.values()) {
      if (ch.state !== ChannelState.Open) continue;
      if (ch.lastActive < silentBefore) {
        this.close(ch, disconnectReason('HEARTBEAT_TIMEOUT', 'no heartbeat within the timeout'), true);
      } else if (ch.expiresAt < renewBefore && !ch.busy) {
        // (Not while a request runs: a join in flight would race the rewrite of its rooms; next sweep.)
        ch.expiresAt = Math.floor(now / 1000) + this.options.sessionTtlSeconds;
        this.app.sessions.renew(sessionOf(ch, this.endpoint)).catch((err: unknown) => {
          this.app.logger.warn('could not renew gateway session', { connectionId: ch.id, err: String(err) });
        });
      }
    }
    this.sessions.prune(now);
  }
}

/**
 * A packet as it waits its turn: its body copied (the read chunk it views is reused),
 * marked with `retryAfterMs` when it is over the connection's request budget.
 */
function pending(p: Packet, retryAfterMs: number): PendingRequest {
  const body = p.body.length === 0 ? p.body : Buffer.from(p.body);
  return retryAfterMs > 0 ? { ver: p.ver, op: p.op, seq: p.seq, body, retryAfterMs } : { ver: p.ver, op: p.op, seq: p.seq, body };
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
