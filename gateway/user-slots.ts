import type { Channel } from './channel.js';

/**
 * Connections per user on this task, counted from the moment a token is verified (so a
 * burst of Auths of one user cannot slip past the cap while their sessions are written)
 * until the connection is forgotten. Many connections of one user, each within its own
 * bounds, would otherwise add up without limit.
 */
export class UserSlots {
  private readonly held = new Map<string, number>();

  /** `max` connections per user; 0 = no cap. */
  constructor(private readonly max: number) {}

  /** Takes a slot of `uid` for `ch` (sets `ch.uid`), or false when the user holds `max` already. */
  take(ch: Channel, uid: string): boolean {
    const held = this.held.get(uid) ?? 0;
    if (this.max > 0 && held >= this.max) return false;
    this.held.set(uid, held + 1);
    ch.uid = uid;
    return true;
  }

  /** Gives back the slot of a channel that took one (no-op otherwise). */
  release(ch: Channel): void {
    if (ch.uid === '') return;
    const held = (this.held.get(ch.uid) ?? 1) - 1;
    if (held > 0) this.held.set(ch.uid, held);
    else this.held.delete(ch.uid);
  }

  /** Connections `uid` holds on this task. */
  of(uid: string): number {
    return this.held.get(uid) ?? 0;
  }

  /** Users holding at least one connection. */
  get users(): number {
    return this.held.size;
  }
}
