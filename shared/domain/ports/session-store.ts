import type { ConnectionRef, Session } from '../model.js';

/**
 * How fresh a read must be: `strong` sees every write that finished before it; `eventual`
 * (half the read cost on DynamoDB) may miss one made within about the last second.
 */
export type ReadConsistency = 'strong' | 'eventual';

/**
 * Live connections, by connection, by user and by room.
 *
 * Contract:
 * - `put` makes the session visible to `get`, `byUser` (one item per connection), and
 *   makes it a member of each room in `session.rooms` (a connection can join its first
 *   room in the same write, as a goim Auth with `room_id` does). Putting the same
 *   connection id again replaces the session's fields; only the connection's holder does
 *   that (renewal, accepts), with the same uid and the rooms it holds: rooms change
 *   through `joinRoom`/`leaveRoom`, and a connection id never passes to another user
 *   (ids are 128 random bits).
 * - Every read ignores sessions whose `expiresAt` has passed (storage may keep them
 *   for hours: DynamoDB deletes expired items lazily).
 * - `remove` deletes the connection, its user routing item and its room memberships,
 *   and returns what it removed (undefined when nothing was there). Idempotent. A caller
 *   that holds the session (a gateway task) passes it as `known`: nothing is read first,
 *   the items of `known` are deleted and `known` is returned.
 * - Rooms: a connection may be in several, at most `maxRooms` (checked in the same atomic
 *   write as the join); `joinRoom` of a room already joined is a no-op; a join past the cap
 *   changes nothing and returns the session without `rid` in its rooms (the caller refuses
 *   it). `joinRoom`/`leaveRoom` on an unknown or expired connection return undefined;
 *   they return the session as `get` reads it.
 * - Writes may be coalesced with other callers' (several connections per storage call),
 *   but each call settles on its own outcome. A store that sheds load rejects with
 *   OverloadedError (retryAfterMs), never with a bare internal error.
 */
export interface SessionStore {
  put(session: Session): Promise<void>;
  get(connectionId: string, nowMs: number): Promise<Session | undefined>;
  remove(connectionId: string, known?: Session): Promise<Session | undefined>;
  /** A user's live connections; `eventual` may miss one made within about the last second (default `strong`). */
  byUser(uid: string, nowMs: number, consistency?: ReadConsistency): Promise<ConnectionRef[]>;
  /**
   * Moves the expiry of a live session to `session.expiresAt` by rewriting it (and its
   * routing and room items) as given: only the holder of the connection, which knows
   * the session, renews it (gateway connections renew theirs). No read first.
   */
  renew(session: Session): Promise<void>;
  joinRoom(connectionId: string, rid: string, nowMs: number, maxRooms?: number): Promise<Session | undefined>;
  leaveRoom(connectionId: string, rid: string, nowMs: number): Promise<Session | undefined>;
  roomMembers(rid: string, nowMs: number): Promise<ConnectionRef[]>;
  roomCount(rid: string, nowMs: number): Promise<number>;
  /**
   * One page of every live connection (push-all). Pass the returned `cursor` to get the
   * next page; no cursor means the end. A page holds at most `limit` connections (maybe
   * fewer, even zero, before the end). Order is the storage's, stable across pages.
   * Cost (DynamoDB): Query pages over the session partitions (one small item per
   * connection); never a Scan of the table.
   */
  scanLive(nowMs: number, page: { limit: number; cursor?: string | undefined }): Promise<{ refs: ConnectionRef[]; cursor?: string }>;
  /**
   * Live totals: connections, distinct users, and connections per room, exact at the time
   * of the read. Cost (DynamoDB): one Query per session partition, in parallel, reading one
   * small item per live connection (no routing or room items, no Scan); concurrent callers
   * share a read.
   */
  liveCounts(nowMs: number): Promise<LiveCounts>;
  /**
   * Endpoint fences. The fan-out job that finds a gateway task unreachable removes the
   * sessions it was delivering to there; a task that was only stalled (a GC pause, a
   * starved CPU) is still alive and holds those connections. The job first records a
   * fence for the endpoint at the time it gave up (`atMs`); the task reads its own fence
   * on its sweep and closes every connection it opened before then, so their clients
   * reconnect with fresh sessions and sync what they missed.
   *
   * - `fenceEndpoint` keeps the latest time: an earlier `atMs` never replaces a later
   *   one; idempotent; one write. The fence expires at `expiresAt` (epoch seconds).
   * - `endpointFence` reads it: the fence time, or undefined when there is none (or it expired).
   * - `clearFence` removes it only while it still holds `atMs` (a newer fence stays).
   */
  fenceEndpoint(endpoint: string, atMs: number, expiresAt: number): Promise<void>;
  endpointFence(endpoint: string, nowMs: number): Promise<number | undefined>;
  clearFence(endpoint: string, atMs: number): Promise<void>;
}

/** What `liveCounts` returns. */
export interface LiveCounts {
  connections: number;
  users: number;
  /**
   * Room id → live connections in it (rooms with none are absent). A Map, never a plain
   * object: room ids are client input, and `constructor` or `__proto__` are valid ones.
   */
  rooms: Map<string, number>;
}
