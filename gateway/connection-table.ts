import { randomBytes } from 'node:crypto';
import type { Session } from '../shared/domain/model.js';
import { connect, disconnect } from '../shared/domain/connections.js';
import type { Deps } from '../shared/domain/deps.js';
import type { SessionStore } from '../shared/domain/ports/session-store.js';
import { OverloadedError } from '../shared/errors.js';
import type { AuthResult } from './auth.js';
import { SessionStoreError } from './errors.js';
import { ChannelState, type Channel } from './channel.js';
import { GatewaySessions, type HeldConnections } from './gateway-sessions.js';
import type { OutPacket } from './frame-packets.js';
import { LocalRooms } from './rooms.js';
import { UserSlots } from './user-slots.js';

/** The settings the table reads (GatewayOptions). */
export interface ConnectionTableOptions {
  sessionTtlSeconds: number;
  maxConnectionsPerUser: number;
  maxConnectionAgeSeconds: number;
  roomCountTtlMs: number;
}

/** What the table works with. */
export interface ConnectionTableDeps extends Pick<Deps, 'clock' | 'settings'> {
  /** The sessions store itself; the domain sees it through `table.sessions`. */
  store: SessionStore;
  /** Sessions written before this time (epoch ms) may have been removed by a fence (fence-watch.ts). */
  fencedBefore(): number;
  /** Queues packets for an open channel, applying its accepts; false when it is gone (the gateway's outbound). */
  deliver(ch: Channel, packets: readonly OutPacket[]): boolean;
  warn(message: string, extra: Record<string, unknown>): void;
}

/** How `open` ended: open, or refused and why (the caller tells the client). */
export type OpenOutcome =
  | { open: true; session: Session }
  | { open: false; why: 'too-many-connections' | 'gone' | 'fenced' }
  | { open: false; why: 'store'; error: OverloadedError | SessionStoreError };

/**
 * The connections of one gateway task, their rooms and their sessions, in one place.
 * Nothing else changes them: transports report sockets (`accept`, `transportClosed`),
 * Auth opens (`open`), the gateway closes (`close`), the session layer reports joins and
 * leaves (`joinRoom`, `leaveRoom`), the internal API reaches connections through
 * `channel(id)` and `broadcastRoom`. Reads are counts and read-only iteration.
 *
 * Bounds kept here: connections per user (`maxConnectionsPerUser`, from the moment a
 * token is verified: user-slots.ts) and the fence check of a session written while a
 * fence was being set (RESYNC). Every session removal is tracked until it settles, so
 * a shutdown can wait for them.
 */
export class ConnectionTable implements HeldConnections {
  /** The sessions store as domain calls on this task see it (gateway-sessions.ts). */
  readonly sessions: GatewaySessions;
  private taskEndpoint = '';
  /** Every transport connection until its socket closes, authenticated or not. */
  private readonly transports = new Set<Channel>();
  /** Open (authenticated) connections by connection id. */
  private readonly byId = new Map<string, Channel>();
  private readonly rooms = new LocalRooms();
  private readonly slots: UserSlots;
  private readonly removals = new Set<Promise<void>>();

  constructor(
    private readonly options: ConnectionTableOptions,
    private readonly deps: ConnectionTableDeps,
  ) {
    this.sessions = new GatewaySessions(deps.store, this, options.roomCountTtlMs);
    this.slots = new UserSlots(options.maxConnectionsPerUser);
  }

  /** This task's `@connections` endpoint, as written in its sessions ('' before it listens). */
  get endpoint(): string {
    return this.taskEndpoint;
  }

  /** The task listens at `endpoint`: sessions written from now on name it. */
  listenAt(endpoint: string): void {
    this.taskEndpoint = endpoint;
  }

  /** A new transport connection (not authenticated yet). */
  accept(ch: Channel): void {
    this.transports.add(ch);
  }

  /**
   * Opens an authenticated connection: takes a slot of its user, writes its session
   * (with the Auth's room, `room` as an edgeim room id) under a new random id, and
   * registers it (its id, rooms and state OPEN). Refused, with nothing left behind, when
   * the user holds `maxConnectionsPerUser` here, the store does not take the session,
   * the client left meanwhile, or the session was written before this task's latest
   * fence (the job that fenced it may have removed it already).
   */
  async open(ch: Channel, auth: AuthResult, room: string | undefined): Promise<OpenOutcome> {
    if (!this.slots.take(ch, auth.uid)) return { open: false, why: 'too-many-connections' };
    const id = newConnectionId();
    let session: Session;
    try {
      session = await connect(
        { sessions: this.sessions, clock: this.deps.clock, settings: this.deps.settings },
        { connectionId: id, uid: auth.uid, endpoint: this.endpoint, kind: 'gateway', device: auth.device, platform: auth.platform, accepts: auth.accepts, rooms: room ? [room] : [], ttlSeconds: this.options.sessionTtlSeconds },
      );
    } catch (cause) {
      // The write may have been partly taken (a batch's items succeed or fail one by one): remove what it left.
      this.track(this.deps.store.remove(id, attempted(id, auth.uid, room)), id);
      // Shed load stays an OverloadedError (the client is told when to come back); anything else is named.
      const error = cause instanceof OverloadedError ? cause : new SessionStoreError('write', id, { cause });
      return { open: false, why: 'store', error };
    }
    if (ch.state !== ChannelState.Authenticating) {
      this.removeSession(id, session); // the connection went away while we wrote the session
      return { open: false, why: 'gone' };
    }
    if (session.connectedAt < this.deps.fencedBefore()) {
      this.removeSession(id, session);
      return { open: false, why: 'fenced' };
    }
    ch.id = id;
    ch.device = session.device;
    ch.platform = session.platform;
    ch.connectedAt = session.connectedAt;
    ch.expiresAt = session.expiresAt;
    if (auth.expiresAt !== undefined) ch.tokenExpiresAt = auth.expiresAt * 1000;
    const maxAge = this.options.maxConnectionAgeSeconds;
    if (maxAge > 0) ch.retireAt = session.connectedAt + Math.round(maxAge * 1000 * (0.9 + 0.1 * Math.random())); // spread: a storm's connections do not all retire at once
    ch.accepts = auth.accepts.length > 0 ? new Set(auth.accepts) : null;
    ch.state = ChannelState.Open;
    this.byId.set(id, ch);
    if (room) this.joinRoom(id, room);
    return { open: true, session };
  }

  /**
   * The connection is closed (on purpose or by its transport): it leaves every index and
   * gives back its user slot; its session is removed (once; no read first).
   */
  close(ch: Channel): void {
    if (ch.forgotten) return;
    ch.forgotten = true;
    this.slots.release(ch);
    if (ch.id === '') return;
    if (this.byId.get(ch.id) === ch) this.byId.delete(ch.id);
    for (const rid of ch.rooms) this.rooms.remove(rid, ch);
    this.removeSession(ch.id, this.sessionOf(ch));
  }

  /** The transport is gone: the channel is no longer counted as connected. */
  transportClosed(ch: Channel): void {
    this.transports.delete(ch);
  }

  /** An open connection by id, or undefined. */
  channel(connectionId: string): Channel | undefined {
    return this.byId.get(connectionId);
  }

  session(connectionId: string): Session | undefined {
    const ch = this.byId.get(connectionId);
    return ch && ch.state === ChannelState.Open ? this.sessionOf(ch) : undefined;
  }

  roomsOf(connectionId: string): readonly string[] | undefined {
    const ch = this.byId.get(connectionId);
    return ch && ch.state === ChannelState.Open ? ch.rooms : undefined;
  }

  joinRoom(connectionId: string, rid: string): boolean {
    const ch = this.byId.get(connectionId);
    if (!ch || ch.state !== ChannelState.Open) return false;
    if (!ch.rooms.includes(rid)) {
      ch.rooms = [...ch.rooms, rid];
      this.rooms.add(rid, ch);
    }
    return true;
  }

  leaveRoom(connectionId: string, rid: string): void {
    const ch = this.byId.get(connectionId);
    if (!ch || !ch.rooms.includes(rid)) return;
    ch.rooms = ch.rooms.filter((r) => r !== rid);
    this.rooms.remove(rid, ch);
  }

  /**
   * Delivers `packets` to this task's members of `rid` but `except` (goim's comet-side
   * room broadcast); returns how many took them. A member closed as a slow consumer
   * during the loop leaves the room's Set, which iteration allows.
   */
  broadcastRoom(rid: string, packets: readonly OutPacket[], except: string | null): number {
    const members = this.rooms.members(rid);
    if (!members) return 0;
    let delivered = 0;
    for (const ch of members) if (ch.id !== except && this.deps.deliver(ch, packets)) delivered++;
    return delivered;
  }

  /** Gives an open connection new accepts (Sub/Unsub) and stores them in its session; a failed write is logged. */
  async setAccepts(ch: Channel, accepts: ReadonlySet<number>): Promise<void> {
    ch.accepts = accepts.size > 0 ? new Set(accepts) : null;
    try {
      await this.sessions.put(this.sessionOf(ch));
    } catch (cause) {
      this.deps.warn('could not store accepts', { connectionId: ch.id, error: new SessionStoreError('store the accepts of', ch.id, { cause }) });
    }
  }

  /**
   * Moves an open connection's session expiry to a full ttl from `nowMs`. The channel
   * takes the new expiry at once (writes meanwhile, its accepts, carry it); a failed write
   * is logged and puts the channel back on the expiry the store still holds, so the next
   * sweep retries and the session layer stops answering for it from memory past it.
   */
  renew(ch: Channel, nowMs: number): void {
    const previous = ch.expiresAt;
    const expiresAt = Math.floor(nowMs / 1000) + this.options.sessionTtlSeconds;
    ch.expiresAt = expiresAt;
    this.sessions.renew(this.sessionOf(ch)).catch((cause: unknown) => {
      if (ch.expiresAt === expiresAt) ch.expiresAt = previous;
      this.deps.warn('could not renew gateway session', { connectionId: ch.id, error: new SessionStoreError('renew', ch.id, { cause }) });
    });
  }

  /** Deletes a session this task wrote (no read first), tracked until it settles. */
  removeSession(connectionId: string, known: Session): void {
    this.track(disconnect({ sessions: this.sessions }, connectionId, known), connectionId);
  }

  /** Tracks a session removal until it settles; a failure is logged. */
  private track(removal: Promise<unknown>, connectionId: string): void {
    const done: Promise<void> = removal
      .then(() => undefined)
      .catch((cause: unknown) => this.deps.warn('could not remove gateway session', { connectionId, error: new SessionStoreError('remove', connectionId, { cause }) }))
      .finally(() => this.removals.delete(done));
    this.removals.add(done);
  }

  /** Resolves once the session removals started so far have settled. */
  async removalsSettled(): Promise<void> {
    await Promise.all([...this.removals]);
  }

  /** Open connections (read only; closing one while iterating is allowed). */
  openChannels(): IterableIterator<Channel> {
    return this.byId.values();
  }

  /** Every transport connection, open or not (read only). */
  transportChannels(): IterableIterator<Channel> {
    return this.transports.values();
  }

  /** How many: open connections, transport connections, session removals in flight, rooms with a member here. */
  get counts(): { open: number; transports: number; removals: number; rooms: number } {
    return { open: this.byId.size, transports: this.transports.size, removals: this.removals.size, rooms: this.rooms.size };
  }

  /** This task's members of `rid`. */
  roomMembers(rid: string): number {
    return this.rooms.count(rid);
  }

  /** Connections `uid` holds on this task, authenticating ones included. */
  userConnections(uid: string): number {
    return this.slots.of(uid);
  }

  /** The session of a channel this task holds, as it was written (plus later changes). */
  private sessionOf(ch: Channel): Session {
    return {
      connectionId: ch.id,
      uid: ch.uid,
      endpoint: this.endpoint,
      kind: 'gateway',
      device: ch.device,
      platform: ch.platform,
      rooms: [...ch.rooms],
      ...(ch.accepts ? { accepts: [...ch.accepts] } : {}),
      connectedAt: ch.connectedAt,
      expiresAt: ch.expiresAt,
    };
  }
}

/** The keys a refused open's session write may have left (the store removes by id, uid and rooms; the rest is not read). */
function attempted(connectionId: string, uid: string, room: string | undefined): Session {
  return { connectionId, uid, endpoint: '', kind: 'gateway', device: '', platform: '', rooms: room ? [room] : [], connectedAt: 0, expiresAt: 0 };
}

/** A connection id nobody can guess: 128 random bits, base64url (22 chars). */
export function newConnectionId(): string {
  return randomBytes(16).toString('base64url');
}
