import type { Packet } from '../shared/protocol/goim/index.js';

/** Where a channel is in its life. Only OPEN channels receive deliveries. */
export const enum ChannelState {
  /** Connected, waiting for the Auth packet. */
  Handshake = 0,
  /** Auth received, token being verified and session written. */
  Authenticating = 1,
  Open = 2,
  /** Closing on purpose: a DisconnectReply may still be on its way out. */
  Closing = 3,
  Closed = 4,
}

/**
 * One client connection (goim's Channel), whatever the transport. Subclasses write
 * bytes; everything else lives here.
 *
 * Memory matters: an idle channel holds no buffer, no timer and no closure of its
 * own; the outbound queue exists only between a delivery and the next flush, and
 * requests are queued only while one is running.
 */
export abstract class Channel {
  state: ChannelState = ChannelState.Handshake;
  /** Connection id (128 random bits, base64url), set once authenticated. */
  id = '';
  uid = '';
  device = '';
  platform = '';
  connectedAt = 0;
  /** Session expiry, epoch seconds (renewed by the gateway before it passes). */
  expiresAt = 0;
  /** Last packet from the client, epoch ms (heartbeat timeout). */
  lastActive: number;
  /** Rooms joined, in join order (mirrors the session). */
  rooms: string[] = NO_ROOMS;
  /** goim `accepts`: business ops this connection receives from key/user pushes. */
  accepts: Set<number> | null = null;
  /** Packets waiting for the next merged write, and their total size. */
  queue: Buffer[] | null = null;
  queuedBytes = 0;
  /** Already in the outbound flush list. */
  dirty = false;
  /** Client requests waiting while an earlier one runs (order is kept per connection). */
  requests: PendingRequest[] | null = null;
  /** Body bytes held by `requests` (bounded by the gateway's maxPendingBytes). */
  pendingBytes = 0;
  busy = false;
  /** Request budget (token bucket): tokens left at `tokensAt`; -1 until the first request (a full bucket). */
  tokens = -1;
  tokensAt = 0;
  /** Pending until authenticated; cleared after. */
  handshakeTimer: NodeJS.Timeout | null = null;
  /** Set once the channel has been forgotten (maps, rooms, session). */
  forgotten = false;

  constructor(now: number) {
    this.lastActive = now;
  }

  /** Transport name for logs and sessions. */
  abstract readonly transport: 'tcp' | 'ws';
  /** Bytes written but not yet taken by the kernel (back-pressure). */
  abstract buffered(): number;
  /** Writes one complete packet (or TCP batch) now. */
  abstract writeOne(buf: Buffer): void;
  /** Writes several packets as one write: TCP back to back, WebSocket one op-9 message. */
  abstract writeMany(bufs: Buffer[], totalBytes: number): void;
  /** Half-closes after pending writes; destroys after `lingerMs` if the peer does not read. */
  abstract end(lingerMs: number): void;
  /** Drops the connection at once. */
  abstract destroy(): void;
  abstract remoteAddress(): string;
}

/** A client request waiting its turn; `retryAfterMs` marks one over the rate limit (answered RATE_LIMITED). */
export interface PendingRequest extends Packet {
  retryAfterMs?: number;
}

const NO_ROOMS: string[] = [];
Object.freeze(NO_ROOMS);
