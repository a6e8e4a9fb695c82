import type { GroupInfo } from '../domain/model.js';
import type { GroupRoster, GroupStore } from '../domain/ports/group-store.js';
import type { ReadConsistency } from '../domain/ports/session-store.js';

interface Group {
  info: Omit<GroupInfo, 'memberCount'>;
  /** uid → joinedAt (epoch ms). */
  members: Map<string, number>;
}

/**
 * The GroupStore contract (ports/group-store.ts) in one process's memory: a group id is
 * taken once; adding or removing a member twice is a no-op and `memberCount` is the
 * member set's size; `delete` drops the group with its members and their links. Reads
 * are always strong (one process sees every write).
 */
export class MemoryGroupStore implements GroupStore {
  private readonly groups = new Map<string, Group>();
  /** uid → gids (the reverse link). */
  private readonly links = new Map<string, Set<string>>();

  async create(group: Omit<GroupInfo, 'memberCount'>, members: string[]): Promise<boolean> {
    if (this.groups.has(group.gid)) return false;
    this.groups.set(group.gid, { info: { ...group }, members: new Map() });
    await this.addMembers(group.gid, members, group.createdAt);
    return true;
  }

  async get(gid: string): Promise<GroupInfo | undefined> {
    const g = this.groups.get(gid);
    return g && { ...g.info, memberCount: g.members.size };
  }

  async delete(gid: string): Promise<void> {
    const g = this.groups.get(gid);
    if (!g) return;
    for (const uid of g.members.keys()) this.unlink(uid, gid);
    this.groups.delete(gid);
  }

  /** Members of a group that does not exist are not stored (the domain looks the group up first). */
  async addMembers(gid: string, uids: string[], nowMs: number): Promise<void> {
    const g = this.groups.get(gid);
    if (!g) return;
    for (const uid of uids) {
      if (g.members.has(uid)) continue;
      g.members.set(uid, nowMs);
      let gids = this.links.get(uid);
      if (!gids) this.links.set(uid, (gids = new Set()));
      gids.add(gid);
    }
  }

  async removeMembers(gid: string, uids: string[]): Promise<void> {
    const g = this.groups.get(gid);
    if (!g) return;
    for (const uid of uids) if (g.members.delete(uid)) this.unlink(uid, gid);
  }

  async isMember(gid: string, uid: string): Promise<boolean> {
    return this.groups.get(gid)?.members.has(uid) ?? false;
  }

  async members(gid: string, _consistency?: ReadConsistency): Promise<string[]> {
    return [...(this.groups.get(gid)?.members.keys() ?? [])];
  }

  async roster(gid: string, _consistency?: ReadConsistency): Promise<GroupRoster> {
    const g = this.groups.get(gid);
    return g ? { createdAt: g.info.createdAt, members: [...g.members.keys()] } : { members: [] };
  }

  async groupsOf(uid: string): Promise<string[]> {
    return [...(this.links.get(uid) ?? [])];
  }

  private unlink(uid: string, gid: string): void {
    const gids = this.links.get(uid);
    gids?.delete(gid);
    if (gids?.size === 0) this.links.delete(uid);
  }
}
