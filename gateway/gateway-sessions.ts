import type { ConnectionRef, Session } from '../shared/domain/model.js';
import type { LiveCounts, ReadConsistency, SessionStore } from '../shared/domain/ports/session-store.js';

/**
 * What the session layer needs to know about the connections this task holds (the
 * connection table implements it). The layer itself keeps no connection state: it reads
 * through this and reports what the store did.
 */
export interface HeldConnections {
  /** The session of an open connection held here (as written, plus later changes), or undefined. */
  session(connectionId: string): Session | undefined;
  /** The rooms of an open connection held here, or undefined when it is not held (any more). */
  roomsOf(connectionId: string): readonly string[] | undefined;
  /** The store put the connection in `rid`: false when it is no longer open here (its close did not know the room). */
  joinRoom(connectionId: string, rid: string): boolean;
  /** The store took the connection out of `rid`. */
  leaveRoom(connectionId: string, rid: string): void;
}

/** No connection held: the layer over a store alone (every call reaches the store, counts cached). */
export const NO_HELD_CONNECTIONS: HeldConnections = {
  session: () => undefined,
  roomsOf: () => undefined,
  joinRoom: () => true,
  leaveRoom: () => undefined,
};

/**
 * The sessions store as the gateway's domain calls see it: the real store, with two
 * shortcuts that keep heartbeats off DynamoDB's hot path.
 *
 * - `get` of a connection held by this task is answered from memory (the task wrote
 *   that session and sees every change to it: joins, leaves, accepts).
 * - `roomCount` is cached per room for `countTtlMs` (heartbeats of a large room would
 *   otherwise count it once per member per interval); a join or leave through this task
 *   drops the room's cached count (its reply then counts the room afresh); a new session
 *   put with rooms (Auth with `room_id`) or removed adds or takes one from it; a put that
 *   rewrites a held connection's session (its accepts) leaves it.
 *
 * Joins and leaves are reported to the held connections (`HeldConnections`), which keep
 * a channel's rooms and the task's room index in step; a join past the rooms cap of a
 * connection held here is answered from memory (the store's conditional join enforces
 * the same cap for every caller). A join that lands after its connection closed here is
 * undone (its removal did not know the room).
 *
 * @example
 * const sessions = new GatewaySessions(store, NO_HELD_CONNECTIONS, 1000);
 */
export class GatewaySessions implements SessionStore {
  private readonly counts = new Map<string, { value: number; at: number }>();
  /** Per held connection, the last of its session writes (rewrite, renewal, join, leave): each waits for the one before. */
  private readonly writes = new Map<string, Promise<unknown>>();

  constructor(
    private readonly inner: SessionStore,
    private readonly held: HeldConnections,
    private readonly countTtlMs: number,
  ) {}

  async put(session: Session): Promise<void> {
    const rewrite = this.held.session(session.connectionId) !== undefined;
    if (rewrite) return this.inOrder(session.connectionId, () => this.inner.put(this.current(session)));
    await this.inner.put(session);
    for (const rid of session.rooms) this.adjust(rid, 1);
  }

  /**
   * Runs a write of a held connection's session after the writes of it already under way
   * (a connection is not held: at once). A whole-session write (renewal, accepts) racing
   * a room join would otherwise land after it with the rooms it read before, dropping the
   * join from the session while its membership item stays (a room counted one too many
   * until the session expires, and a leave that cannot find the room).
   */
  private inOrder<T>(connectionId: string, write: () => Promise<T>): Promise<T> {
    if (this.held.roomsOf(connectionId) === undefined) return write();
    const before = this.writes.get(connectionId) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(write);
    this.writes.set(connectionId, mine);
    const forget = () => {
      if (this.writes.get(connectionId) === mine) this.writes.delete(connectionId);
    };
    mine.then(forget, forget);
    return mine;
  }

  /** A held connection's session as it is when its turn to be written comes (rooms joined meanwhile included), keeping the expiry asked for. */
  private current(session: Session): Session {
    const now = this.held.session(session.connectionId);
    return now ? { ...now, expiresAt: Math.max(now.expiresAt, session.expiresAt) } : session;
  }

  /** A held connection's session from memory while it is live; past its expiry (a renewal failed) the store answers, as for any other. */
  async get(connectionId: string, nowMs: number): Promise<Session | undefined> {
    const held = this.held.session(connectionId);
    if (held && held.expiresAt * 1000 > nowMs) return held;
    return this.inner.get(connectionId, nowMs);
  }

  async remove(connectionId: string, known?: Session): Promise<Session | undefined> {
    const removed = await this.inner.remove(connectionId, known);
    for (const rid of removed?.rooms ?? []) this.adjust(rid, -1);
    return removed;
  }

  /**
   * A connection of this task entered or left a room without asking for its count (an
   * Auth with `room_id`, a close): the cached count moves with it instead of being
   * dropped, so a connect storm into one room does not recount the room per connect.
   */
  private adjust(rid: string, delta: number): void {
    const cached = this.counts.get(rid);
    if (cached) cached.value = Math.max(0, cached.value + delta);
  }

  byUser(uid: string, nowMs: number, consistency?: ReadConsistency): Promise<ConnectionRef[]> {
    return this.inner.byUser(uid, nowMs, consistency);
  }

  renew(session: Session): Promise<void> {
    return this.inOrder(session.connectionId, () => this.inner.renew(this.current(session)));
  }

  async joinRoom(connectionId: string, rid: string, nowMs: number, maxRooms = Infinity): Promise<Session | undefined> {
    const rooms = this.held.roomsOf(connectionId);
    if (rooms && rooms.length >= maxRooms && !rooms.includes(rid)) {
      return this.held.session(connectionId); // at the cap: refused without a store call
    }
    const session = await this.inOrder(connectionId, () => this.inner.joinRoom(connectionId, rid, nowMs, maxRooms));
    this.counts.delete(rid);
    if (session && rooms && session.rooms.includes(rid) && !this.held.joinRoom(connectionId, rid)) {
      // The connection closed while it joined: its removal did not know this room yet.
      await this.inner.remove(connectionId, session);
    }
    return session;
  }

  async leaveRoom(connectionId: string, rid: string, nowMs: number): Promise<Session | undefined> {
    const session = await this.inOrder(connectionId, () => this.inner.leaveRoom(connectionId, rid, nowMs));
    this.counts.delete(rid);
    this.held.leaveRoom(connectionId, rid);
    return session;
  }

  roomMembers(rid: string, nowMs: number): Promise<ConnectionRef[]> {
    return this.inner.roomMembers(rid, nowMs);
  }

  async roomCount(rid: string, nowMs: number): Promise<number> {
    const cached = this.counts.get(rid);
    if (cached && nowMs - cached.at < this.countTtlMs) return cached.value;
    const value = await this.inner.roomCount(rid, nowMs);
    this.counts.set(rid, { value, at: nowMs });
    return value;
  }

  /** Drops cached counts older than their ttl (called by the gateway's sweep). */
  prune(nowMs: number): void {
    for (const [rid, c] of this.counts) if (nowMs - c.at >= this.countTtlMs) this.counts.delete(rid);
  }

  scanLive(nowMs: number, page: { limit: number; cursor?: string | undefined }): Promise<{ refs: ConnectionRef[]; cursor?: string }> {
    return this.inner.scanLive(nowMs, page);
  }

  liveCounts(nowMs: number): Promise<LiveCounts> {
    return this.inner.liveCounts(nowMs);
  }

  fenceEndpoint(endpoint: string, atMs: number, expiresAt: number): Promise<void> {
    return this.inner.fenceEndpoint(endpoint, atMs, expiresAt);
  }

  endpointFence(endpoint: string, nowMs: number): Promise<number | undefined> {
    return this.inner.endpointFence(endpoint, nowMs);
  }

  clearFence(endpoint: string, atMs: number): Promise<void> {
    return this.inner.clearFence(endpoint, atMs);
  }
}
