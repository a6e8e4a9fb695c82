import type { StoredGroup } from '../model.js';
import type { ReadConsistency } from './session-store.js';

/**
 * Groups and their members.
 *
 * Contract:
 * - `create` fails with `false` when the group id is taken; members given are added.
 * - `addMembers`/`removeMembers` are idempotent per member and keep `memberCount` exact.
 * - `delete` removes the group, its members and every member's link to it.
 * - `members` and `groupsOf` return everything (paged internally).
 * - `roster` is the group's creation time and members in one read; undefined when the
 *   group does not exist (or is being deleted: its members may outlive it briefly).
 */
export interface GroupStore {
  create(group: Omit<StoredGroup, 'memberCount'>, members: string[]): Promise<boolean>;
  get(gid: string): Promise<StoredGroup | undefined>;
  delete(gid: string): Promise<void>;
  addMembers(gid: string, uids: string[], nowMs: number): Promise<void>;
  removeMembers(gid: string, uids: string[]): Promise<void>;
  isMember(gid: string, uid: string): Promise<boolean>;
  /** Every member; `eventual` may miss a change made within about the last second (default `strong`). */
  members(gid: string, consistency?: ReadConsistency): Promise<string[]>;
  groupsOf(uid: string): Promise<string[]>;
  /** `createdAt` and every member at once; `eventual` as for `members`. */
  roster(gid: string, consistency?: ReadConsistency): Promise<GroupRoster | undefined>;
}

/** Who is in a group, and which group of that id it is (ids may be taken again after a delete). */
export interface GroupRoster {
  createdAt: number;
  members: string[];
}
