import { randomUUID } from 'node:crypto';
import { BadRequestError, ForbiddenError, NotFoundError } from '../errors.js';
import type { Caller, Deps } from './deps.js';
import type { GroupInfo } from './model.js';

type GroupDeps = Pick<Deps, 'groups' | 'clock'>;

/** Creates a group owned by the caller (a member too), with the given members. */
export async function createGroup(
  deps: GroupDeps,
  caller: Caller,
  req: { group?: string | undefined; name?: string | undefined; members: string[] },
): Promise<GroupInfo> {
  const gid = req.group ?? randomUUID();
  const members = [...new Set([caller.uid, ...req.members])];
  const info = { gid, name: req.name ?? gid, owner: caller.uid, createdAt: deps.clock.now() };
  if (!(await deps.groups.create(info, members))) throw new BadRequestError(`group ${gid} already exists`);
  return { ...info, memberCount: members.length };
}

async function requireGroup(deps: GroupDeps, gid: string): Promise<GroupInfo> {
  const group = await deps.groups.get(gid);
  if (!group) throw new NotFoundError(`group ${gid} does not exist`);
  return group;
}

/** The owner adds members. `system` (backends) may manage any group. */
export async function addMembers(deps: GroupDeps, caller: Caller, gid: string, uids: string[]): Promise<GroupInfo> {
  const group = await requireGroup(deps, gid);
  if (caller.uid !== group.owner && caller.uid !== 'system') throw new ForbiddenError('only the group owner adds members');
  await deps.groups.addMembers(gid, uids, deps.clock.now());
  return requireGroup(deps, gid);
}

/** The owner removes anyone; a member may remove only themselves (leave the group). */
export async function removeMembers(deps: GroupDeps, caller: Caller, gid: string, uids: string[]): Promise<GroupInfo> {
  const group = await requireGroup(deps, gid);
  const self = uids.length === 1 && uids[0] === caller.uid;
  if (caller.uid !== group.owner && caller.uid !== 'system' && !self) throw new ForbiddenError('only the group owner removes other members');
  await deps.groups.removeMembers(gid, uids);
  return requireGroup(deps, gid);
}

/** Deletes a group and every membership: its owner, or `system` (backends). Stored messages stay until they expire. */
export async function deleteGroup(deps: GroupDeps, caller: Caller, gid: string): Promise<Record<string, never>> {
  const group = await requireGroup(deps, gid);
  if (caller.uid !== group.owner && caller.uid !== 'system') throw new ForbiddenError('only the group owner deletes the group');
  await deps.groups.delete(gid);
  return {};
}

/** Groups the caller belongs to. */
export async function listGroups(deps: GroupDeps, caller: Caller): Promise<{ groups: string[] }> {
  return { groups: await deps.groups.groupsOf(caller.uid) };
}
