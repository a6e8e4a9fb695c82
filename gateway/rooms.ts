import type { Channel } from './channel.js';

/**
 * This task's room members (goim's comet-side rooms): a room broadcast posted once to
 * the task (`POST /@rooms/{rid}`) is fanned out here to the local members. goim splits
 * rooms over buckets to spread lock contention between goroutines; one Node process has
 * no locks, so one map is enough.
 */
export class LocalRooms {
  private readonly rooms = new Map<string, Set<Channel>>();

  add(rid: string, ch: Channel): void {
    let members = this.rooms.get(rid);
    if (!members) this.rooms.set(rid, (members = new Set()));
    members.add(ch);
  }

  remove(rid: string, ch: Channel): void {
    const members = this.rooms.get(rid);
    if (!members) return;
    members.delete(ch);
    if (members.size === 0) this.rooms.delete(rid);
  }

  /** Live members of a room on this task (do not modify). */
  members(rid: string): ReadonlySet<Channel> | undefined {
    return this.rooms.get(rid);
  }

  /** Members on this task. */
  count(rid: string): number {
    return this.rooms.get(rid)?.size ?? 0;
  }

  get size(): number {
    return this.rooms.size;
  }
}
