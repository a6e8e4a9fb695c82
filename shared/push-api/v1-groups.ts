import { addMembers, createGroup, deleteGroup, groupDetail as readGroup, listGroups, removeMembers } from '../domain/groups.js';
import { defineRoute } from './route.js';
import { createGroupRequest, empty, gidParams, groupDetail, groupInfo, groupList, memberParams, membersRequest, uidParams } from './schemas.js';

/**
 * Group management for backends: create, get, delete, add and remove members, a user's
 * groups. The caller is the backend of the API key, which may manage any group.
 */
export const groupRoutes = [
  defineRoute({
    id: 'createGroup',
    method: 'post',
    path: '/v1/groups',
    tag: 'groups',
    summary: 'Create a group',
    description: 'The `owner` (optional) is a member too and may manage the group from a client; without one, only backends manage it. An existing group id is BAD_REQUEST.',
    body: createGroupRequest,
    response: { status: 201, description: 'Created.', schema: groupInfo },
    errors: ['BAD_REQUEST'],
    handler: ({ deps, caller, body }) => createGroup(deps, caller, { group: body.group, name: body.name, members: body.members, owner: body.owner }),
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
    handler: ({ deps, caller, params }) => readGroup(deps, caller, params.gid),
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
    handler: ({ deps, caller, params }) => deleteGroup(deps, caller, params.gid),
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
    handler: ({ deps, caller, params, body }) => addMembers(deps, caller, params.gid, body.members),
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
    handler: ({ deps, caller, params }) => removeMembers(deps, caller, params.gid, [params.uid]),
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
    handler: ({ deps, caller, params }) => listGroups(deps, caller, params.uid),
  }),
];
