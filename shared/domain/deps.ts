import { BadRequestError, ForbiddenError } from '../errors.js';
import type { IdAllocator } from './id-allocator.js';
import type { Clock } from './ports/clock.js';
import type { Delivery } from './ports/delivery.js';
import type { GroupStore } from './ports/group-store.js';
import type { IdempotencyStore } from './ports/idempotency-store.js';
import type { JobQueue } from './ports/job-queue.js';
import type { OfflineNotifier } from './ports/offline-notifier.js';
import type { SessionStore } from './ports/session-store.js';
import type { TimelineStore } from './ports/timeline-store.js';
import type { DomainSettings } from './settings.js';

/** Everything the domain functions need, injected by each edge (Lambda, gateway, local runtime). */
export interface Deps {
  settings: DomainSettings;
  clock: Clock;
  sessions: SessionStore;
  timelines: TimelineStore;
  groups: GroupStore;
  ids: IdAllocator;
  queue: JobQueue;
  delivery: Delivery;
  offline: OfflineNotifier;
  /** Idempotency keys of requests stored nowhere else (the push API's transient pushes). */
  idempotency: IdempotencyStore;
}

/** What a client request needs (every action of the WebSocket API and the gateway): no delivery, no offline hook. */
export type RequestDeps = Pick<Deps, 'settings' | 'clock' | 'sessions' | 'timelines' | 'groups' | 'ids' | 'queue'>;

/**
 * A user authenticated by a token (the `$connect` authorizer or a gateway Auth), on one
 * connection when `connectionId` is set. A user has only the rights of its own uid: no
 * uid is special.
 */
export interface UserCaller {
  kind: 'user';
  uid: string;
  connectionId?: string;
}

/**
 * A business backend authenticated by a push API key (`keyId`: the key's non-secret id).
 * Only the push API builds one. Its rights come from the key, never from a name: it may
 * send to any user, group or room, manage any group and read any user's inbox, presence
 * and groups; it has no connection, so it cannot join rooms, ack or heartbeat.
 */
export interface BackendCaller {
  kind: 'backend';
  keyId: string;
}

/** Who makes a request: privilege is the caller's kind, decided by how it authenticated. */
export type Caller = UserCaller | BackendCaller;

/** A user caller on one connection. */
export const userCaller = (uid: string, connectionId?: string): UserCaller =>
  connectionId === undefined ? { kind: 'user', uid } : { kind: 'user', uid, connectionId };

/**
 * The user a request is about: a user caller's own uid (naming another user is
 * FORBIDDEN), or for a backend the uid it names (required).
 */
export function subjectOf(caller: Caller, uid: string | undefined): string {
  if (caller.kind === 'user') {
    if (uid !== undefined && uid !== caller.uid) throw new ForbiddenError('a user may read only its own data');
    return caller.uid;
  }
  if (uid === undefined) throw new BadRequestError('name the user');
  return uid;
}

/** The caller as a user, for actions only a user on a connection takes (FORBIDDEN for a backend). */
export function requireUser(caller: Caller, action: string): UserCaller {
  if (caller.kind !== 'user') throw new ForbiddenError(`${action} is for user connections, not backends`);
  return caller;
}

/** Epoch seconds at which an item stored now expires under the retention setting. */
export function retentionExpiry(deps: Pick<Deps, 'clock' | 'settings'>): number {
  return Math.floor(deps.clock.now() / 1000) + deps.settings.retentionDays * 86_400;
}
