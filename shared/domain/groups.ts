import { randomUUID } from 'node:crypto';
import { BadRequestError, ForbiddenError, NotFoundError } from '../errors.js';
import { subjectOf, type Caller, type Deps } from './deps.js';
import type { GroupInfo, StoredGroup } from './model.js';

type GroupDeps = Pick<Deps, 'groups' | 'clock'>;

/** A group as replies show it (without the internal `timelineBase`). */
function shown({ timelineBase: _, ...group }: StoredGroup): GroupInfo {
  return group;
}

/** The owner (or any backend) manages a group: docs/PROTOCOL.md#who-may-do-what. */
const mayManage = (caller: Caller, group: GroupInfo) => caller.kind === 'backend' || (group.owner !== undefined && caller.uid === group.owner);

/**
 * Creates a group. A user caller owns it (and is a member); a backend names an `owner`
 * (who becomes a member) or none, and then only backends manage the group.
 */
export async function createGroup(
  deps: GroupDeps & Pick<Deps, 'timelines'>,
  caller: Caller,
  req: { group?: string | undefined; name?: string | undefined; members: string[]; owner?: string | undefined },
): Promise<GroupInfo> {
  const gid = req.group ?? randomUUID();
  const owner = caller.kind === 'user' ? caller.uid : req.owner;
  const members = [...new Set([...(owner !== undefined ? [owner] : []), ...req.members])];
  const info = { gid, name: req.name ?? gid, ...(owner !== undefined ? { owner } : {}), createdAt: deps.clock.now() };
  // The id may have been a deleted group's: its shared timeline starts after what that group left there.
  const timelineBase = await deps.timelines.head(`group:${gid}`);
  if (!(await deps.groups.create({ ...info, ...(timelineBase ? { timelineBase } : {}) }, members))) throw new BadRequestError(`group ${gid} already exists`);
  return { ...info, memberCount: members.length };
}

async function requireGroup(deps: GroupDeps, gid: string): Promise<StoredGroup> {
  const group = await deps.groups.get(gid);
  if (!group) throw new NotFoundError(`group ${gid} does not exist`);
  return group;
}

/** The owner (or a backend) adds members. */
export async function addMembers(deps: GroupDeps, caller: Caller, gid: string, uids: string[]): Promise<GroupInfo> {
  const group = await requireGroup(deps, gid);
  if (!mayManage(caller, group)) throw new ForbiddenError('only the group owner adds members');
  await deps.groups.addMembers(gid, uids, deps.clock.now());
  return shown(await requireGroup(deps, gid));
}

/** The owner (or a backend) removes anyone; a member may remove only itself (leave the group). */
export async function removeMembers(deps: GroupDeps, caller: Caller, gid: string, uids: string[]): Promise<GroupInfo> {
  const group = await requireGroup(deps, gid);
  const self = caller.kind === 'user' && uids.length === 1 && uids[0] === caller.uid;
  if (!mayManage(caller, group) && !self) throw new ForbiddenError('only the group owner removes other members');
  await deps.groups.removeMembers(gid, uids);
  return shown(await requireGroup(deps, gid));
}

/** Deletes a group and every membership: its owner, or a backend. Stored messages stay until they expire. */
export async function deleteGroup(deps: GroupDeps, caller: Caller, gid: string): Promise<Record<string, never>> {
  const group = await requireGroup(deps, gid);
  if (!mayManage(caller, group)) throw new ForbiddenError('only the group owner deletes the group');
  await deps.groups.delete(gid);
  return {};
}

/** A group and its members: backends only (users see their own groups with `listGroups`). */
export async function groupDetail(deps: Pick<Deps, 'groups'>, caller: Caller, gid: string): Promise<GroupInfo & { members: string[] }> {
  if (caller.kind !== 'backend') throw new ForbiddenError('reading a group is for backends');
  const [group, members] = await Promise.all([deps.groups.get(gid), deps.groups.members(gid)]);
  if (!group) throw new NotFoundError(`group ${gid} does not exist`);
  return { ...shown(group), members };
}

/** Groups a user belongs to: a user's own, or (backend) the user named by `uid`. */
export async function listGroups(deps: GroupDeps, caller: Caller, uid?: string): Promise<{ groups: string[] }> {
  return { groups: await deps.groups.groupsOf(subjectOf(caller, uid)) };
}
