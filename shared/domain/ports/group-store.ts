import type { GroupInfo } from '../model.js';
import type { ReadConsistency } from './session-store.js';

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
  /** Every member; `eventual` may miss a change made within about the last second (default `strong`). */
  members(gid: string, consistency?: ReadConsistency): Promise<string[]>;
  groupsOf(uid: string): Promise<string[]>;
}
