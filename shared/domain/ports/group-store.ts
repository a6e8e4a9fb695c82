import type { GroupInfo } from '../model.js';
import type { ReadConsistency } from './session-store.js';

/**
 * Groups and their members.
 *
 * Contract:
 * - `create` fails with `false` when the group id is taken; members given are added.
 * - `addMembers`/`removeMembers` are idempotent per member and keep `memberCount` exact.
 * - `delete` removes the group, its members and every member's link to it.
 * - `members`, `roster` and `groupsOf` return everything (paged internally).
 */

/** A group's creation time (undefined: no such group) and its members, as one read sees them. */
export interface GroupRoster {
  createdAt?: number;
  members: string[];
}

export interface GroupStore {
  create(group: Omit<GroupInfo, 'memberCount'>, members: string[]): Promise<boolean>;
  get(gid: string): Promise<GroupInfo | undefined>;
  delete(gid: string): Promise<void>;
  addMembers(gid: string, uids: string[], nowMs: number): Promise<void>;
  removeMembers(gid: string, uids: string[]): Promise<void>;
  isMember(gid: string, uid: string): Promise<boolean>;
  /** Every member; `eventual` may miss a change made within about the last second (default `strong`). */
  members(gid: string, consistency?: ReadConsistency): Promise<string[]>;
  /**
   * The group's creation time and every member in one read (DynamoDB: the same Query as
   * `members`): whoever holds a group id now, and since when. `eventual` as for `members`.
   */
  roster(gid: string, consistency?: ReadConsistency): Promise<GroupRoster>;
  groupsOf(uid: string): Promise<string[]>;
}
