import type { GroupInfo } from '../model.js';

/**
 * Groups and their members.
 *
 * Contract:
 * - `create` fails with `false` when the group id is taken; members given are added.
 * - `addMembers`/`removeMembers` are idempotent per member and keep `memberCount` exact.
 * - `delete` removes the group, its members and every member's link to it.
 * - `members` and `groupsOf` return everything (paged internally).
 */
export interface GroupStore {
  create(group: Omit<GroupInfo, 'memberCount'>, members: string[]): Promise<boolean>;
  get(gid: string): Promise<GroupInfo | undefined>;
  delete(gid: string): Promise<void>;
  addMembers(gid: string, uids: string[], nowMs: number): Promise<void>;
  removeMembers(gid: string, uids: string[]): Promise<void>;
  isMember(gid: string, uid: string): Promise<boolean>;
  members(gid: string): Promise<string[]>;
  groupsOf(uid: string): Promise<string[]>;
}
