import { addMembers, createGroup, deleteGroup, listGroups, removeMembers } from '../domain/groups.js';
import type { Deps } from '../domain/deps.js';
import { NotFoundError } from '../errors.js';
import { defineRoute } from './route.js';
import { createGroupRequest, empty, gidParams, groupDetail, groupInfo, groupList, memberParams, membersRequest, uidParams } from './schemas.js';

/** Backends manage groups as `system`, which may manage any group. */
const SYSTEM = { uid: 'system' };

async function detail(deps: Deps, gid: string) {
  const [group, members] = await Promise.all([deps.groups.get(gid), deps.groups.members(gid)]);
  if (!group) throw new NotFoundError(`group ${gid} does not exist`);
  return { ...group, members };
}

/** Group management for backends: create, get, delete, add and remove members, a user's groups. */
export const groupRoutes = [
  defineRoute({
    id: 'createGroup',
    method: 'post',
    path: '/v1/groups',
    tag: 'groups',
    summary: 'Create a group',
    description: 'The owner (default `system`) is a member too. An existing group id is BAD_REQUEST.',
    body: createGroupRequest,
    response: { status: 201, description: 'Created.', schema: groupInfo },
    errors: ['BAD_REQUEST'],
    handler: ({ deps, body }) => createGroup(deps, { uid: body.owner }, { group: body.group, name: body.name, members: body.members }),
  }),
  defineRoute({
    id: 'getGroup',
    method: 'get',
    path: '/v1/groups/{gid}',
    tag: 'groups',
    summary: 'Get a group and its members',
    params: gidParams,
    response: { status: 200, description: 'The group.', schema: groupDetail },
    errors: ['BAD_REQUEST', 'NOT_FOUND'],
    handler: ({ deps, params }) => detail(deps, params.gid),
  }),
  defineRoute({
    id: 'deleteGroup',
    method: 'delete',
    path: '/v1/groups/{gid}',
    tag: 'groups',
    summary: 'Delete a group',
    description: 'Removes the group and every membership; later sends to it are NOT_FOUND. Stored messages stay until they expire.',
    params: gidParams,
    response: { status: 200, description: 'Deleted.', schema: empty },
    errors: ['BAD_REQUEST', 'NOT_FOUND'],
    handler: ({ deps, params }) => deleteGroup(deps, { uid: 'system' }, params.gid),
  }),
  defineRoute({
    id: 'addGroupMembers',
    method: 'post',
    path: '/v1/groups/{gid}/members',
    tag: 'groups',
    summary: 'Add members',
    params: gidParams,
    body: membersRequest,
    response: { status: 200, description: 'The group after the change.', schema: groupInfo },
    errors: ['BAD_REQUEST', 'NOT_FOUND'],
    handler: ({ deps, params, body }) => addMembers(deps, SYSTEM, params.gid, body.members),
  }),
  defineRoute({
    id: 'removeGroupMember',
    method: 'delete',
    path: '/v1/groups/{gid}/members/{uid}',
    tag: 'groups',
    summary: 'Remove a member',
    params: memberParams,
    response: { status: 200, description: 'The group after the change.', schema: groupInfo },
    errors: ['BAD_REQUEST', 'NOT_FOUND'],
    handler: ({ deps, params }) => removeMembers(deps, SYSTEM, params.gid, [params.uid]),
  }),
  defineRoute({
    id: 'listUserGroups',
    method: 'get',
    path: '/v1/users/{uid}/groups',
    tag: 'groups',
    summary: "List a user's groups",
    params: uidParams,
    response: { status: 200, description: 'Group ids.', schema: groupList },
    errors: ['BAD_REQUEST'],
    handler: ({ deps, params }) => listGroups(deps, { uid: params.uid }),
  }),
];
