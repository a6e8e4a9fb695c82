import { AckBatcher } from './ack-batcher.js';
import type { ConnectionState, EdgeImEvents, EmitEvent } from './client-events.js';
import type { EdgeImClientOptions } from './client-options.js';
import { ConnectionLoop } from './connection-loop.js';
import { Emitter } from './emitter.js';
import { asError, EdgeImError } from './errors.js';
import { Outbox, type SendOptions, type SendResult } from './outbox.js';
import { MemoryStorage, type ClientStorage } from './storage.js';
import { TimelineSync } from './timeline-sync.js';
import { tokenSubject } from './token.js';
import type { Action, Connection, UnreadableFrame } from './transport.js';
import { convOf, type GroupInfo, type PushEvent, type ServerFrame, type Target, type TimelineMessage, type TimelineName } from './types.js';

export type { ConnectionState, EdgeImEvents, StateChange } from './client-events.js';
export type { EdgeImClientOptions } from './client-options.js';

/**
 * One client for every transport: connects with a token, reconnects with exponential
 * backoff and full jitter, heartbeats, syncs after every (re)connect, orders and dedupes
 * messages, queues sends while offline and retries them with the same cmid.
 *
 * @example
 * import { EdgeImClient, wsApiTransport } from '@edgeim/sdk';
 *
 * const client = new EdgeImClient({
 *   transport: wsApiTransport({ url: 'ws://127.0.0.1:3001' }),
 *   token,
 *   refreshToken: () => fetch('/token').then((r) => r.text()),
 * });
 * client.on('message', ({ message }) => console.log(message.from, message.body));
 * client.on('state', ({ state }) => console.log('connection', state));
 * await client.connect();
 * await client.send({ user: 'bob' }, { text: 'hi' });
 */
export class EdgeImClient extends Emitter<EdgeImEvents> {
  /** The user id (the token's `sub`). */
  uid: string;
  private token: string;
  private readonly storage: ClientStorage;
  private readonly rooms = new Set<string>();
  private readonly loop: ConnectionLoop;
  private readonly timelines: TimelineSync;
  private readonly acks: AckBatcher;
  private readonly outbox: Outbox;

  constructor(private readonly options: EdgeImClientOptions) {
    super();
    this.token = options.token;
    this.uid = tokenSubject(options.token) ?? '';
    this.storage = options.storage ?? new MemoryStorage();
    const emit: EmitEvent = (event, arg) => this.emit(event, arg);
    const connection = () => this.loop.conn;
    this.acks = new AckBatcher(options, connection);
    this.timelines = new TimelineSync(options, this.storage, connection, this.acks, emit, () => this.uid);
    this.outbox = new Outbox({
      max: options.maxQueuedSends ?? 100,
      requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
      maxRetries: options.maxSendRetries ?? 5,
      backoff: options.backoff,
      onTimeout: (err) => this.onSendTimeout(err),
      onSent: ({ to, body, cmid, msgId }) => {
        if ('room' in to) return; // rooms are not stored
        this.timelines.sent({ id: msgId, conv: convOf(this.uid, to), from: this.uid, to, body, cmid, sentAt: Date.now() });
      },
    });
    this.loop = new ConnectionLoop(options, {
      ready: () => this.timelines.load(),
      token: () => this.token,
      setToken: (token) => this.setToken(token),
      frame: (frame) => this.onFrame(frame),
      opened: (conn) => this.afterOpen(conn),
      down: () => this.outbox.detach(),
      emit,
    });
  }

  /** The current connection state. */
  get state(): ConnectionState {
    return this.loop.state;
  }

  /**
   * Starts connecting (and keeps reconnecting until `close()`). Resolves once the first
   * connection is open; rejects with `UNAUTHORIZED` when the token is refused, and at
   * once with `CONFIGURATION` when the client cannot work as configured (no WebSocket
   * on Node 20, a malformed URL).
   *
   * @example
   * await client.connect();
   */
  connect(): Promise<void> {
    return this.loop.connect();
  }

  /**
   * While waiting to reconnect, tries now instead of waiting out the backoff: call it on
   * the browser's `online` event, when the app comes to the foreground, or from a "Retry"
   * button. Does nothing in any other state.
   */
  reconnectNow(): void {
    this.loop.retryNow();
  }

  /** Closes the connection and stops reconnecting; queued sends reject with CLOSED. */
  close(): void {
    this.acks.cancel();
    this.timelines.cancelGapPulls();
    this.outbox.detach();
    this.outbox.rejectAll(new EdgeImError('CLOSED', 'the client was closed'));
    this.loop.close(new EdgeImError('CLOSED', 'the client was closed'));
  }

  /** Replaces the token (after `unauthorized`, call `connect()` again). */
  setToken(token: string): void {
    this.token = token;
    this.uid = tokenSubject(token) ?? this.uid;
  }

  /**
   * Sends a message. Resolves with the server's `msgId` once it is durable. The server does
   * not push a message back to the connection that sent it (other devices get it): show
   * your own from this result (it is in `history()` from then on). While offline
   * it waits in a bounded queue and goes out after the reconnect; a retry keeps the cmid,
   * so the server stores it once. RATE_LIMITED / OVERLOADED replies are waited out and
   * retried (same cmid); other refusals reject with the server's code — CONFLICT means
   * the cmid was used before for another message, and is never retried.
   *
   * @example
   * const { msgId } = await client.send({ user: 'bob' }, { text: 'hi' });
   * await client.send({ group: 'team' }, { text: 'hello all' });
   * await client.send({ room: 'lobby' }, { text: 'live' }); // join('lobby') first
   * // show "failed, retry?" after 10 s; the retry keeps the cmid, so it is stored once
   * const cmid = newCmid();
   * await client.send({ user: 'bob' }, { text: 'hi' }, { cmid, timeoutMs: 10_000 });
   */
  send(to: Target, body: unknown, options: SendOptions = {}): Promise<SendResult> {
    if (this.loop.state === 'closed') return Promise.reject(new EdgeImError('CLOSED', 'the client was closed'));
    return this.outbox.add(to, body, { ...options, cmid: options.cmid ?? newCmid() });
  }

  /**
   * Joins a room (kept across reconnects). Resolves with the room's online count when
   * connected, or undefined when the join waits for the next connection.
   */
  async join(room: string): Promise<number | undefined> {
    this.rooms.add(room);
    const conn = this.loop.conn;
    if (!conn) return undefined;
    return ((await conn.request('join', { room })) as { online: number }).online;
  }

  /** Leaves a room. */
  async leave(room: string): Promise<number | undefined> {
    this.rooms.delete(room);
    const conn = this.loop.conn;
    if (!conn) return undefined;
    return ((await conn.request('leave', { room })) as { online: number }).online;
  }

  /** Follows a large group's timeline (synced after every reconnect); pulls it now. */
  follow(gid: string): Promise<void> {
    return this.timelines.follow(`group:${gid}`);
  }

  /** Marks a timeline read up to `seq` (batched, sent within `ackIntervalMs`). */
  markRead(timeline: TimelineName, seq: number): void {
    this.acks.queue(timeline, 'read', seq);
  }

  /** Stored history of a conversation, oldest first (from the local cache; no network). */
  history(conv: string, limit?: number): Promise<TimelineMessage[]> {
    return this.storage.history(conv, limit);
  }

  /** Pulls a timeline now (the client does this on its own after reconnects, gaps and notifies). */
  sync(timeline: TimelineName = 'inbox'): Promise<void> {
    return this.timelines.pull(timeline);
  }

  /** Creates a group owned by this user (WebSocket API only). */
  createGroup(fields: { group?: string; name?: string; members?: string[] }): Promise<GroupInfo> {
    return this.request('createGroup', fields) as Promise<GroupInfo>;
  }

  /** Adds members to a group you own. */
  addMembers(group: string, members: string[]): Promise<GroupInfo> {
    return this.request('addMembers', { group, members }) as Promise<GroupInfo>;
  }

  /** Removes members (or yourself: leave the group). */
  removeMembers(group: string, members: string[]): Promise<GroupInfo> {
    return this.request('removeMembers', { group, members }) as Promise<GroupInfo>;
  }

  /** Deletes a group you own; later sends to it fail with NOT_FOUND. */
  async deleteGroup(group: string): Promise<void> {
    await this.request('deleteGroup', { group });
  }

  /** The groups you belong to. */
  async groups(): Promise<string[]> {
    return ((await this.request('groups')) as { groups: string[] }).groups;
  }

  /**
   * Sends any action on the open connection and resolves with the reply's data
   * (rejects with `DISCONNECTED` when offline).
   */
  request(action: Action, fields: Record<string, unknown> = {}): Promise<unknown> {
    const conn = this.loop.conn;
    if (!conn) return Promise.reject(new EdgeImError('DISCONNECTED', `not connected (${this.loop.state})`));
    return conn.request(action, fields, this.options.requestTimeoutMs);
  }

  /** After each (re)connect: rejoin rooms, resend queued sends and acks, resync the timelines. */
  private async afterOpen(conn: Connection): Promise<void> {
    try {
      await Promise.all([...this.rooms].map((room) => conn.request('join', { room })));
    } catch (err) {
      this.emit('error', asError(err));
    }
    if (this.loop.conn !== conn) return;
    this.outbox.attach(conn);
    this.acks.flush();
    await Promise.all(['inbox', ...this.timelines.followed].map((t) => this.timelines.pull(t)));
  }

  private onSendTimeout(err: EdgeImError): void {
    // No reply in time: the connection is likely dead. Drop it; the send is retried after the reconnect.
    this.emit('error', err);
    this.loop.conn?.close();
  }

  private onFrame(frame: ServerFrame | UnreadableFrame): void {
    switch (frame.type) {
      case 'message':
        return this.timelines.onMessage(frame);
      case 'notify':
        return this.timelines.onNotify(frame.timeline, frame.seq);
      case 'push':
        return this.emit('push', pushEvent(frame));
      case 'error':
        return this.emit('error', new EdgeImError(frame.error.code, frame.error.message));
      case 'batch':
        for (const f of frame.frames) this.onFrame(f);
        return;
      default:
        return;
    }
  }
}

function pushEvent(frame: Extract<ServerFrame, { type: 'push' }>): PushEvent {
  if (frame.encoding === 'base64' && typeof frame.body === 'string') {
    const bin = atob(frame.body);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return { op: frame.op, body: frame.body, bytes };
  }
  return { op: frame.op, body: frame.body };
}

/** A fresh client message id: random, URL-safe, ≤ 64 chars. */
export function newCmid(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return c?.randomUUID ? c.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}
