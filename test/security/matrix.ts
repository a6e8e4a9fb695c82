import type { LocalStack } from '../../local/stack.js';
import { createGroup } from '../../shared/domain/groups.js';
import { userCaller } from '../../shared/domain/deps.js';

/**
 * The documented rights of users (docs/PROTOCOL.md, "Who may do what"), as one table
 * that the WebSocket API and gateway matrix suites both run. A cell sees a group G owned
 * by `owner` with `member` and `bystander` in it, and a group B a backend created
 * without an owner (`member` and `system` in it); rows that change groups get fresh
 * ones. `other` owns a group of its own (H); `system` is an ordinary user that happens to
 * be named `system`.
 */
export const USERS = ['owner', 'member', 'nonMember', 'other', 'system'] as const;
export type Who = (typeof USERS)[number];

/** The uid each principal connects as. */
export const UID: Record<Who, string> = { owner: 'owner', member: 'member', nonMember: 'outsider', other: 'other', system: 'system' };

/** What a cell must answer: `ok` or an error code. */
export type Outcome = 'ok' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_REQUEST';

export interface Fixture {
  /** Fresh group owned by `owner`; members owner, member, bystander. */
  gid: string;
  /** Fresh group created by a backend without an owner; members member, system. */
  backendGid: string;
  /** A room name no connection has joined. */
  room: string;
}

export interface Row {
  name: string;
  /** The WebSocket API request (action and fields); gateway rows map it to an op. */
  request: (f: Fixture, who: Who) => Record<string, unknown>;
  /** Join `room` before the request (on the same connection). */
  joinFirst?: boolean;
  expect: Record<Who, Outcome>;
  /** goim has this action as an op (group management is WebSocket-API only). */
  goim: boolean;
  /** The row changes G or B: each cell gets fresh groups. */
  mutates?: boolean;
}

const all = (o: Outcome): Record<Who, Outcome> => ({ owner: o, member: o, nonMember: o, other: o, system: o });
const ownerOnly: Record<Who, Outcome> = { ...all('FORBIDDEN'), owner: 'ok' };
const membersOnly: Record<Who, Outcome> = { ...all('FORBIDDEN'), owner: 'ok', member: 'ok' };

let cell = 0;
const cmid = () => `m${++cell}`;

export const ROWS: Row[] = [
  { name: 'send to a user', request: () => ({ action: 'send', to: { user: 'bystander' }, cmid: cmid(), body: 'hi' }), expect: all('ok'), goim: true },
  { name: 'send to group G', request: (f) => ({ action: 'send', to: { group: f.gid }, cmid: cmid(), body: 'hi' }), expect: membersOnly, goim: true },
  { name: 'send to a group that does not exist', request: () => ({ action: 'send', to: { group: 'no-such-group' }, cmid: cmid(), body: 'x' }), expect: all('NOT_FOUND'), goim: true },
  { name: 'send to a room not joined', request: (f) => ({ action: 'send', to: { room: f.room }, body: 'hi' }), expect: all('FORBIDDEN'), goim: true },
  { name: 'send to a room joined', request: (f) => ({ action: 'send', to: { room: f.room }, body: 'hi' }), joinFirst: true, expect: all('ok'), goim: true },
  { name: 'sync own inbox', request: () => ({ action: 'sync', timeline: 'inbox' }), expect: all('ok'), goim: true },
  { name: 'sync group G', request: (f) => ({ action: 'sync', timeline: `group:${f.gid}` }), expect: membersOnly, goim: true },
  { name: 'ack own inbox', request: () => ({ action: 'ack', timeline: 'inbox', seq: 1, kind: 'read' }), expect: all('ok'), goim: true },
  { name: 'ack group G', request: (f) => ({ action: 'ack', timeline: `group:${f.gid}`, seq: 1, kind: 'read' }), expect: membersOnly, goim: true },
  { name: 'join a room', request: (f) => ({ action: 'join', room: f.room }), expect: all('ok'), goim: true },
  { name: 'leave a room', request: (f) => ({ action: 'leave', room: f.room }), expect: all('ok'), goim: true },
  { name: 'heartbeat', request: () => ({ action: 'heartbeat' }), expect: all('ok'), goim: true },
  { name: 'create a group', request: () => ({ action: 'createGroup', group: `new-${++cell}` }), expect: all('ok'), goim: false },
  { name: 'add members to G', request: (f) => ({ action: 'addMembers', group: f.gid, members: ['newcomer'] }), expect: ownerOnly, goim: false, mutates: true },
  { name: 'remove another member of G', request: (f) => ({ action: 'removeMembers', group: f.gid, members: ['bystander'] }), expect: ownerOnly, goim: false, mutates: true },
  { name: 'remove itself from G', request: (f, who) => ({ action: 'removeMembers', group: f.gid, members: [UID[who]] }), expect: all('ok'), goim: false, mutates: true },
  { name: 'delete G', request: (f) => ({ action: 'deleteGroup', group: f.gid }), expect: ownerOnly, goim: false, mutates: true },
  { name: 'list own groups', request: () => ({ action: 'groups' }), expect: all('ok'), goim: false },
  { name: 'add members to a backend group', request: (f) => ({ action: 'addMembers', group: f.backendGid, members: ['newcomer'] }), expect: all('FORBIDDEN'), goim: false, mutates: true },
  { name: 'delete a backend group', request: (f) => ({ action: 'deleteGroup', group: f.backendGid }), expect: all('FORBIDDEN'), goim: false, mutates: true },
  { name: 'sync a backend group (member, system)', request: (f) => ({ action: 'sync', timeline: `group:${f.backendGid}` }), expect: { ...all('FORBIDDEN'), member: 'ok', system: 'ok' }, goim: true },
];

const shared = new WeakMap<LocalStack, Promise<{ gid: string; backendGid: string }>>();

async function groups(stack: LocalStack): Promise<{ gid: string; backendGid: string }> {
  const n = ++cell;
  const gid = `g${n}`;
  const backendGid = `b${n}`;
  await createGroup(stack.app, userCaller('owner'), { group: gid, members: ['member', 'bystander'] });
  await createGroup(stack.app, { kind: 'backend', keyId: 'test' }, { group: backendGid, members: ['member', 'system'] });
  return { gid, backendGid };
}

/** The groups and a fresh room for one cell: fresh groups for a row that changes them, else the stack's shared ones. */
export async function fixture(stack: LocalStack, fresh = false): Promise<Fixture> {
  let g: Promise<{ gid: string; backendGid: string }> | undefined = fresh ? undefined : shared.get(stack);
  if (!g) {
    g = groups(stack);
    if (!fresh) shared.set(stack, g);
  }
  return { ...(await g), room: `room-${++cell}` };
}

/** Makes sure `other` owns a group (H), so "other" is an owner, just not of G. */
export async function otherOwnsAGroup(stack: LocalStack): Promise<void> {
  await createGroup(stack.app, userCaller('other'), { group: 'h-of-other', members: [] });
}

/** A reply frame's outcome: `ok` or its error code. */
export const outcomeOf = (reply: { ok?: boolean; error?: { code?: string } }): string => (reply.ok ? 'ok' : (reply.error?.code ?? 'no reply'));
