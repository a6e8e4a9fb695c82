import type { ConnectionRef, Session } from '../domain/model.js';
import type { LiveCounts, ReadConsistency, SessionStore } from '../domain/ports/session-store.js';

/** Whether a session (or fence) with this expiry, epoch seconds, is live at `nowMs`. */
const live = (expiresAt: number, nowMs: number) => expiresAt * 1000 > nowMs;

const refOf = (s: Session): ConnectionRef => ({ connectionId: s.connectionId, uid: s.uid, endpoint: s.endpoint, kind: s.kind });

/** A copy the caller may change without changing the store. */
const copy = (s: Session): Session => ({ ...s, rooms: [...s.rooms], ...(s.accepts ? { accepts: [...s.accepts] } : {}) });

/**
 * The SessionStore contract (ports/session-store.ts) in one process's memory: for tests
 * of the domain's rules and for benchmarks that measure an edge rather than DynamoDB.
 *
 * Sessions are kept by connection id, and indexed by user and by room; every read skips
 * sessions past their `expiresAt` (they stay stored until removed, as DynamoDB keeps
 * expired items until its TTL deletes them). Joins check the rooms cap in the same step
 * as the join (one process: nothing runs between). `scanLive` pages in connection-id
 * order: the cursor is the last id of a page, so a page never repeats or skips a
 * connection that stays live across pages. Fences keep the latest time, as DynamoDB's
 * conditional write does (an expired fence still holds its time until cleared).
 */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly users = new Map<string, Set<string>>();
  private readonly rooms = new Map<string, Set<string>>();
  private readonly fences = new Map<string, { atMs: number; expiresAt: number }>();

  async put(session: Session): Promise<void> {
    this.unindex(session.connectionId);
    const s = copy(session);
    this.sessions.set(s.connectionId, s);
    add(this.users, s.uid, s.connectionId);
    for (const rid of s.rooms) add(this.rooms, rid, s.connectionId);
  }

  async get(connectionId: string, nowMs: number): Promise<Session | undefined> {
    const s = this.live(connectionId, nowMs);
    return s && copy(s);
  }

  /** Removes what is stored under the id (`known` when given, as DynamoDB deletes the known items without a read). */
  async remove(connectionId: string, known?: Session): Promise<Session | undefined> {
    const stored = this.sessions.get(connectionId);
    if (!known && !stored) return undefined;
    this.unindex(connectionId);
    if (known) for (const rid of known.rooms) drop(this.rooms, rid, connectionId);
    return known ?? copy(stored!);
  }

  async byUser(uid: string, nowMs: number, _consistency?: ReadConsistency): Promise<ConnectionRef[]> {
    return this.liveRefs(this.users.get(uid), nowMs);
  }

  async renew(session: Session): Promise<void> {
    await this.put(session);
  }

  async joinRoom(connectionId: string, rid: string, nowMs: number, maxRooms = Infinity): Promise<Session | undefined> {
    const s = this.live(connectionId, nowMs);
    if (!s) return undefined;
    if (!s.rooms.includes(rid) && s.rooms.length < maxRooms) {
      s.rooms.push(rid);
      add(this.rooms, rid, connectionId);
    }
    return copy(s);
  }

  async leaveRoom(connectionId: string, rid: string, nowMs: number): Promise<Session | undefined> {
    const s = this.live(connectionId, nowMs);
    if (!s) return undefined;
    const index = s.rooms.indexOf(rid);
    if (index >= 0) {
      s.rooms.splice(index, 1);
      drop(this.rooms, rid, connectionId);
    }
    return copy(s);
  }

  async roomMembers(rid: string, nowMs: number): Promise<ConnectionRef[]> {
    return this.liveRefs(this.rooms.get(rid), nowMs);
  }

  async roomCount(rid: string, nowMs: number): Promise<number> {
    return (await this.roomMembers(rid, nowMs)).length;
  }

  async scanLive(nowMs: number, page: { limit: number; cursor?: string | undefined }): Promise<{ refs: ConnectionRef[]; cursor?: string }> {
    const after = page.cursor === undefined ? undefined : Buffer.from(page.cursor, 'base64url').toString('utf8');
    const ids = [...this.sessions.keys()].filter((id) => after === undefined || id > after).sort();
    const refs: ConnectionRef[] = [];
    let i = 0;
    for (; i < ids.length && refs.length < page.limit; i++) {
      const s = this.sessions.get(ids[i]!)!;
      if (live(s.expiresAt, nowMs)) refs.push(refOf(s));
    }
    if (i >= ids.length) return { refs };
    return { refs, cursor: Buffer.from(ids[i - 1] ?? after ?? '', 'utf8').toString('base64url') };
  }

  async liveCounts(nowMs: number): Promise<LiveCounts> {
    const counts: LiveCounts = { connections: 0, users: 0, rooms: new Map() };
    const users = new Set<string>();
    for (const s of this.sessions.values()) {
      if (!live(s.expiresAt, nowMs)) continue;
      counts.connections++;
      users.add(s.uid);
      for (const rid of s.rooms) counts.rooms.set(rid, (counts.rooms.get(rid) ?? 0) + 1);
    }
    counts.users = users.size;
    return counts;
  }

  async fenceEndpoint(endpoint: string, atMs: number, expiresAt: number): Promise<void> {
    const fence = this.fences.get(endpoint);
    if (!fence || fence.atMs < atMs) this.fences.set(endpoint, { atMs, expiresAt });
  }

  async endpointFence(endpoint: string, nowMs: number): Promise<number | undefined> {
    const fence = this.fences.get(endpoint);
    return fence && live(fence.expiresAt, nowMs) ? fence.atMs : undefined;
  }

  async clearFence(endpoint: string, atMs: number): Promise<void> {
    if (this.fences.get(endpoint)?.atMs === atMs) this.fences.delete(endpoint);
  }

  /** The stored session (not a copy) when it is live. */
  private live(connectionId: string, nowMs: number): Session | undefined {
    const s = this.sessions.get(connectionId);
    return s && live(s.expiresAt, nowMs) ? s : undefined;
  }

  private liveRefs(ids: Set<string> | undefined, nowMs: number): ConnectionRef[] {
    const refs: ConnectionRef[] = [];
    for (const id of ids ?? []) {
      const s = this.live(id, nowMs);
      if (s) refs.push(refOf(s));
    }
    return refs;
  }

  /** Forgets a stored session and its user and room index entries. */
  private unindex(connectionId: string): void {
    const s = this.sessions.get(connectionId);
    if (!s) return;
    this.sessions.delete(connectionId);
    drop(this.users, s.uid, connectionId);
    for (const rid of s.rooms) drop(this.rooms, rid, connectionId);
  }
}

function add(index: Map<string, Set<string>>, key: string, id: string): void {
  let ids = index.get(key);
  if (!ids) index.set(key, (ids = new Set()));
  ids.add(id);
}

function drop(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key);
  if (!ids) return;
  ids.delete(id);
  if (ids.size === 0) index.delete(key);
}
