import type { ConnectionRef, Session } from '../shared/domain/model.js';
import type { LiveCounts, ReadConsistency, SessionStore } from '../shared/domain/ports/session-store.js';
import { ChannelState, type Channel } from './channel.js';
import type { LocalRooms } from './rooms.js';

/** What the decorator needs from the gateway. */
export interface ChannelDirectory {
  channel(connectionId: string): Channel | undefined;
  readonly endpoint: string;
}

/**
 * The sessions store as the gateway's domain calls see it: the real store, with two
 * shortcuts that keep heartbeats off DynamoDB's hot path.
 *
 * - `get` of a connection held by this task is answered from memory (the task wrote
 *   that session and sees every change to it: joins, leaves, accepts).
 * - `roomCount` is cached per room for `countTtlMs` (heartbeats of a large room would
 *   otherwise count it once per member per interval); a join or leave through this task
 *   drops the room's cached count (its reply then counts the room afresh); a session put
 *   with rooms (Auth with `room_id`) or removed adds or takes one from it.
 *
 * Joins and leaves keep the channel's rooms and the task's local room index in step; a
 * join past the rooms cap of a connection held here is answered from memory (the store's
 * conditional join enforces the same cap for every caller).
 */
export class GatewaySessions implements SessionStore {
  private readonly counts = new Map<string, { value: number; at: number }>();

  constructor(
    private readonly inner: SessionStore,
    private readonly directory: ChannelDirectory,
    private readonly rooms: LocalRooms,
    private readonly countTtlMs: number,
  ) {}

  async put(session: Session): Promise<void> {
    await this.inner.put(session);
    for (const rid of session.rooms) this.adjust(rid, 1);
  }

  async get(connectionId: string, nowMs: number): Promise<Session | undefined> {
    const ch = this.directory.channel(connectionId);
    if (ch && ch.state === ChannelState.Open) return sessionOf(ch, this.directory.endpoint);
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
    return this.inner.renew(session);
  }

  async joinRoom(connectionId: string, rid: string, nowMs: number, maxRooms = Infinity): Promise<Session | undefined> {
    const held = this.directory.channel(connectionId);
    if (held && held.state === ChannelState.Open && held.rooms.length >= maxRooms && !held.rooms.includes(rid)) {
      return sessionOf(held, this.directory.endpoint); // at the cap: refused without a store call
    }
    const session = await this.inner.joinRoom(connectionId, rid, nowMs, maxRooms);
    this.counts.delete(rid);
    const ch = this.directory.channel(connectionId);
    if (session && !(ch && ch.state === ChannelState.Open)) {
      // The connection closed while it joined: its removal did not know this room yet.
      await this.inner.remove(connectionId, session);
      return session;
    }
    if (session && ch && session.rooms.includes(rid) && !ch.rooms.includes(rid)) {
      ch.rooms = [...ch.rooms, rid];
      this.rooms.add(rid, ch);
    }
    return session;
  }

  async leaveRoom(connectionId: string, rid: string, nowMs: number): Promise<Session | undefined> {
    const session = await this.inner.leaveRoom(connectionId, rid, nowMs);
    this.counts.delete(rid);
    const ch = this.directory.channel(connectionId);
    if (ch && ch.rooms.includes(rid)) {
      ch.rooms = ch.rooms.filter((r) => r !== rid);
      this.rooms.remove(rid, ch);
    }
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

/** The session of a channel this task holds, as it was written (plus later changes). */
export function sessionOf(ch: Channel, endpoint: string): Session {
  return {
    connectionId: ch.id,
    uid: ch.uid,
    endpoint,
    kind: 'gateway',
    device: ch.device,
    platform: ch.platform,
    rooms: [...ch.rooms],
    ...(ch.accepts ? { accepts: [...ch.accepts] } : {}),
    connectedAt: ch.connectedAt,
    expiresAt: ch.expiresAt,
  };
}
