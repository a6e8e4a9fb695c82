import { takeToken, type RateLimit } from '../shared/domain/token-bucket.js';
import type { Packet } from '../shared/protocol/goim/index.js';
import { ChannelState, type Channel, type PendingRequest } from './channel.js';
import { disconnectReason, type DisconnectReason } from './disconnect-codes.js';

/** The per-connection request bounds (GatewayOptions). */
export interface RequestLimits {
  /** Request budget per connection (token bucket); `perSecond` 0 turns it off. */
  rateLimit: RateLimit;
  /** Requests one connection may have waiting behind the running one. */
  maxPendingRequests: number;
  /** Body bytes of those waiting requests. */
  maxPendingBytes: number;
}

/** What the queue does with requests and connections. */
export interface RequestActions {
  /** Runs one request to its end (dispatch.ts); a rejection is reported to `failed`. */
  run(ch: Channel, p: PendingRequest): Promise<void>;
  /** Closes a connection that pipelines past its bounds, after what was already queued for it. */
  close(ch: Channel, reason: DisconnectReason): void;
  /** The bytes the channel holds changed (queue-budget.ts). */
  note(ch: Channel): void;
  /** A request failed in a way its reply could not carry. */
  failed(p: PendingRequest, error: unknown): void;
}

/**
 * A connection's requests, run one at a time, in order (goim's per-channel reader).
 *
 * Bounds per connection, so no client can grow the task's memory or hog it:
 * - a request budget (token bucket, `rateLimit`): a request over it still takes its
 *   turn (replies stay in order, its id echoed) but is marked `retryAfterMs` and
 *   answered RATE_LIMITED, never reaching the domain;
 * - at most `maxPendingRequests` requests and `maxPendingBytes` of their bodies
 *   waiting behind the running one: a client pipelining past that is closed with
 *   DisconnectReply RATE_LIMITED (after what was already queued for it).
 */
export class RequestQueue {
  constructor(
    private readonly limits: RequestLimits,
    private readonly actions: RequestActions,
  ) {}

  /** Takes one request of an open or authenticating connection at `now` (epoch ms). */
  push(ch: Channel, p: Packet, now: number): void {
    const retryAfterMs = this.admit(ch, now);
    if (ch.busy) {
      const queued = ch.requests?.length ?? 0;
      const bytes = p.body.length;
      const { maxPendingRequests, maxPendingBytes } = this.limits;
      if (queued >= maxPendingRequests || ch.pendingBytes + bytes > maxPendingBytes) {
        const wait = Math.max(retryAfterMs, this.pendingRetryAfterMs());
        this.actions.close(ch, disconnectReason('RATE_LIMITED', `more than ${maxPendingRequests} requests or ${maxPendingBytes} bytes waiting; wait for replies`, wait));
        return;
      }
      ch.pendingBytes += bytes;
      (ch.requests ??= []).push(pending(p, retryAfterMs));
      this.actions.note(ch);
      return;
    }
    void this.drain(ch, pending(p, retryAfterMs));
  }

  /** Takes one token of the connection's request budget: 0 when taken, else the wait in ms. */
  private admit(ch: Channel, now: number): number {
    const limit = this.limits.rateLimit;
    if (limit.perSecond <= 0) return 0;
    const bucket = { tokens: ch.tokens < 0 ? limit.burst : ch.tokens, at: ch.tokensAt };
    const wait = takeToken(bucket, limit, now);
    ch.tokens = bucket.tokens;
    ch.tokensAt = bucket.at;
    return wait;
  }

  /** How long a client closed for pipelining should wait: the time its budget takes to serve a full queue. */
  private pendingRetryAfterMs(): number {
    const perSecond = this.limits.rateLimit.perSecond;
    return perSecond > 0 ? Math.ceil((this.limits.maxPendingRequests / perSecond) * 1000) : 1000;
  }

  /** Runs `first`, then whatever queued behind it, until none is left or the connection closes. */
  private async drain(ch: Channel, first: PendingRequest): Promise<void> {
    ch.busy = true;
    let p: PendingRequest | undefined = first;
    while (p !== undefined) {
      try {
        await this.actions.run(ch, p);
      } catch (error) {
        this.actions.failed(p, error);
      }
      if (ch.state >= ChannelState.Closing) break;
      p = ch.requests?.shift();
      if (p !== undefined) {
        ch.pendingBytes -= p.body.length;
        this.actions.note(ch);
      }
      if (ch.requests?.length === 0) ch.requests = null;
    }
    ch.requests = null;
    ch.pendingBytes = 0;
    ch.busy = false;
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
