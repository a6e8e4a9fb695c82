import type { ConnectionRef, Session } from '../../shared/domain/model.js';
import type { LiveCounts, SessionStore } from '../../shared/domain/ports/session-store.js';

/**
 * In-memory sessions for the gateway benchmarks, so that the figures measure the gateway
 * and not the DynamoDB emulator (dynalite takes ~6 ms per write on this machine).
 */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly rooms = new Map<string, Set<string>>();

  async put(s: Session): Promise<void> {
    this.sessions.set(s.connectionId, { ...s, rooms: [...s.rooms] });
    for (const rid of s.rooms) {
      let set = this.rooms.get(rid);
      if (!set) this.rooms.set(rid, (set = new Set()));
      set.add(s.connectionId);
    }
  }
  async get(id: string, now: number): Promise<Session | undefined> {
    const s = this.sessions.get(id);
    return s && s.expiresAt * 1000 > now ? { ...s, rooms: [...s.rooms] } : undefined;
  }
  async remove(id: string, known?: Session): Promise<Session | undefined> {
    const s = this.sessions.get(id) ?? known;
    this.sessions.delete(id);
    for (const rid of s?.rooms ?? []) this.rooms.get(rid)?.delete(id);
    return s;
  }
  async byUser(uid: string): Promise<ConnectionRef[]> {
    return [...this.sessions.values()].filter((s) => s.uid === uid).map(ref);
  }
  async renew(session: Session): Promise<void> {
    await this.put(session);
  }
  async joinRoom(id: string, rid: string): Promise<Session | undefined> {
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (!s.rooms.includes(rid)) s.rooms.push(rid);
    let set = this.rooms.get(rid);
    if (!set) this.rooms.set(rid, (set = new Set()));
    set.add(id);
    return { ...s, rooms: [...s.rooms] };
  }
  async leaveRoom(id: string, rid: string): Promise<Session | undefined> {
    const s = this.sessions.get(id);
    if (s) s.rooms = s.rooms.filter((r) => r !== rid);
    this.rooms.get(rid)?.delete(id);
    return s;
  }
  async roomMembers(rid: string): Promise<ConnectionRef[]> {
    return [...(this.rooms.get(rid) ?? [])].map((id) => ref(this.sessions.get(id)!));
  }
  async roomCount(rid: string): Promise<number> {
    return this.rooms.get(rid)?.size ?? 0;
  }
  async scanLive(): Promise<{ refs: ConnectionRef[] }> {
    return { refs: [...this.sessions.values()].map(ref) };
  }
  async liveCounts(): Promise<LiveCounts> {
    const rooms: Record<string, number> = {};
    for (const [rid, set] of this.rooms) if (set.size > 0) rooms[rid] = set.size;
    return { connections: this.sessions.size, users: new Set([...this.sessions.values()].map((s) => s.uid)).size, rooms };
  }
}

const ref = (s: Session): ConnectionRef => ({ connectionId: s.connectionId, uid: s.uid, endpoint: s.endpoint, kind: s.kind });
