import { backoffDelay, type BackoffOptions } from './backoff.js';
import { Emitter } from './emitter.js';
import { EdgeImError } from './errors.js';
import { AdaptiveHeartbeat, FixedHeartbeat, type HeartbeatOption, type HeartbeatPolicy } from './heartbeat.js';
import { Outbox, type SendResult } from './outbox.js';
import { MemoryStorage, type ClientStorage } from './storage.js';
import { TimelineTracker } from './timeline-tracker.js';
import { tokenExpired, tokenSubject } from './token.js';
import type { Action, CloseReason, Connection, Transport } from './transport.js';
import type { GroupInfo, NotifyEvent, PushEvent, ServerFrame, SyncPage, Target, TimelineMessage, TimelineName } from './types.js';

/**
 * The connection state the app shows:
 * `idle` (not started) → `connecting` → `open` ⇄ `reconnecting`; `unauthorized` when the
 * token is refused or expired and the refresh hook gave no new one (the client stops:
 * call `setToken()` and `connect()`); `closed` after `close()` or a fatal disconnect.
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'unauthorized' | 'closed';

/** A state change, with the error that caused it and, when reconnecting, the delay. */
export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
  error?: EdgeImError;
  /** Reconnect attempt number (1 = first retry). */
  attempt?: number;
  retryInMs?: number;
}

/** Events of the client; listen with `client.on(name, fn)`. */
export interface EdgeImEvents {
  /** A new message (1:1, group, room), once per id, in seq order per timeline. */
  message: (m: TimelineMessage) => void;
  /** A large group's timeline moved; the client pulls it already. */
  notify: (n: NotifyEvent) => void;
  /** A transient push from the push API. */
  push: (p: PushEvent) => void;
  state: (s: StateChange) => void;
  error: (e: EdgeImError) => void;
  /** A timeline is caught up with the server (after every (re)connect and each pull). */
  synced: (s: { timeline: TimelineName; head: number }) => void;
}

/** Options of EdgeImClient; only `transport` and `token` are required. */
export interface EdgeImClientOptions {
  transport: Transport;
  /** A JWT whose `sub` is the user id. */
  token: string;
  /**
   * Called when the token has expired (`'expired'`, checked before each connect) or the
   * server refused it (`'rejected'`). Return a new token to go on, or nothing to stop in
   * the `unauthorized` state. Called at most once per refusal: no reconnect loop.
   */
  refreshToken?: (reason: 'expired' | 'rejected') => Promise<string | null | undefined> | string | null | undefined;
  /** Local cache of history and seq pointers (default: MemoryStorage). */
  storage?: ClientStorage;
  /** A fixed interval in ms, `{adaptive: true}` (60–300 s, step 30 s), or false. Default: the transport's. */
  heartbeat?: HeartbeatOption;
  /** Time a heartbeat may take before the connection counts as dead (default 10 s). */
  heartbeatTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** Sends waiting for a connection or a reply, at most (default 100); more reject with QUEUE_FULL. */
  maxQueuedSends?: number;
  /** Default 15 s. */
  requestTimeoutMs?: number;
  /** `sync` page size, 1–200 (default 200). */
  syncPageSize?: number;
  /** How long a gap may wait for the missing pushes before the client re-pulls (default 250 ms). */
  gapGraceMs?: number;
  /** Acks are batched and sent this often (default 1 s). */
  ackIntervalMs?: number;
  /** Ack every message as delivered (default true). */
  autoAckDelivered?: boolean;
  /** Large groups whose timelines to sync (their `notify` also adds them). */
  follow?: string[];
}

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
  private _state: ConnectionState = 'idle';
  private conn: Connection | undefined;
  private wanted = false;
  private generation = 0;
  private wake: (() => void) | undefined;
  private readonly storage: ClientStorage;
  private readonly trackers = new Map<string, TimelineTracker>();
  private readonly pulls = new Map<string, { again: boolean; done: Promise<void> }>();
  private readonly gapTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly seen = new Set<string>();
  private readonly followed = new Set<string>();
  private readonly rooms = new Set<string>();
  private readonly acks = new Map<string, { timeline: string; kind: 'delivered' | 'read'; seq: number }>();
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeat: HeartbeatPolicy | undefined;
  private readonly outbox: Outbox;
  private loaded: Promise<void> | undefined;
  private openWaiters: { resolve: () => void; reject: (e: EdgeImError) => void }[] = [];

  constructor(private readonly options: EdgeImClientOptions) {
    super();
    this.token = options.token;
    this.uid = tokenSubject(options.token) ?? '';
    this.storage = options.storage ?? new MemoryStorage();
    for (const gid of options.follow ?? []) this.followed.add(`group:${gid}`);
    this.outbox = new Outbox(options.maxQueuedSends ?? 100, options.requestTimeoutMs ?? 15_000, (err) => this.onSendTimeout(err));
  }

  /** The current connection state. */
  get state(): ConnectionState {
    return this._state;
  }

  /**
   * Starts connecting (and keeps reconnecting until `close()`). Resolves once the first
   * connection is open; rejects with `UNAUTHORIZED` when the token is refused.
   *
   * @example
   * await client.connect();
   */
  connect(): Promise<void> {
    const opened = new Promise<void>((resolve, reject) => this.openWaiters.push({ resolve, reject }));
    if (this._state === 'open') this.settleOpen();
    if (!this.wanted) {
      this.wanted = true;
      void this.run(++this.generation);
    }
    return opened;
  }

  /** Closes the connection and stops reconnecting; queued sends reject with CLOSED. */
  close(): void {
    this.wanted = false;
    this.generation++;
    this.wake?.();
    this.stopHeartbeat();
    if (this.ackTimer) clearTimeout(this.ackTimer);
    for (const t of this.gapTimers.values()) clearTimeout(t);
    this.gapTimers.clear();
    const conn = this.conn;
    this.conn = undefined;
    this.outbox.detach();
    this.outbox.rejectAll(new EdgeImError('CLOSED', 'the client was closed'));
    conn?.close();
    this.setState('closed');
    this.settleOpen(new EdgeImError('CLOSED', 'the client was closed'));
  }

  /** Replaces the token (after `unauthorized`, call `connect()` again). */
  setToken(token: string): void {
    this.token = token;
    this.uid = tokenSubject(token) ?? this.uid;
  }

  /**
   * Sends a message. Resolves with the server's `msgId` once it is durable. While offline
   * it waits in a bounded queue and goes out after the reconnect; a retry keeps the cmid,
   * so the server stores it once.
   *
   * @example
   * const { msgId } = await client.send({ user: 'bob' }, { text: 'hi' });
   * await client.send({ group: 'team' }, { text: 'hello all' });
   * await client.send({ room: 'lobby' }, { text: 'live' }); // join('lobby') first
   */
  send(to: Target, body: unknown, options: { cmid?: string } = {}): Promise<SendResult> {
    if (this._state === 'closed') return Promise.reject(new EdgeImError('CLOSED', 'the client was closed'));
    return this.outbox.add(to, body, options.cmid ?? newCmid());
  }

  /**
   * Joins a room (kept across reconnects). Resolves with the room's online count when
   * connected, or undefined when the join waits for the next connection.
   */
  async join(room: string): Promise<number | undefined> {
    this.rooms.add(room);
    if (!this.conn) return undefined;
    return ((await this.conn.request('join', { room })) as { online: number }).online;
  }

  /** Leaves a room. */
  async leave(room: string): Promise<number | undefined> {
    this.rooms.delete(room);
    if (!this.conn) return undefined;
    return ((await this.conn.request('leave', { room })) as { online: number }).online;
  }

  /** Follows a large group's timeline (synced after every reconnect); pulls it now. */
  follow(gid: string): Promise<void> {
    this.followed.add(`group:${gid}`);
    return this.pull(`group:${gid}`);
  }

  /** Marks a timeline read up to `seq` (batched, sent within `ackIntervalMs`). */
  markRead(timeline: TimelineName, seq: number): void {
    this.queueAck(timeline, 'read', seq);
  }

  /** Stored history of a conversation, oldest first (from the local cache; no network). */
  history(conv: string, limit?: number): Promise<TimelineMessage[]> {
    return this.storage.history(conv, limit);
  }

  /** Pulls a timeline now (the client does this on its own after reconnects, gaps and notifies). */
  sync(timeline: TimelineName = 'inbox'): Promise<void> {
    return this.pull(timeline);
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

  /** The groups you belong to. */
  async groups(): Promise<string[]> {
    return ((await this.request('groups')) as { groups: string[] }).groups;
  }

  /**
   * Sends any action on the open connection and resolves with the reply's data
   * (rejects with `DISCONNECTED` when offline).
   */
  request(action: Action, fields: Record<string, unknown> = {}): Promise<unknown> {
    if (!this.conn) return Promise.reject(new EdgeImError('DISCONNECTED', `not connected (${this._state})`));
    return this.conn.request(action, fields, this.options.requestTimeoutMs);
  }

  // --- connection life cycle ---------------------------------------------------------

  private async run(gen: number): Promise<void> {
    this.loaded ??= this.loadPointers();
    await this.loaded;
    let attempt = 0;
    let refreshed = false;
    let everOpened = false;
    while (this.wanted && gen === this.generation) {
      this.setState(everOpened || attempt > 0 ? 'reconnecting' : 'connecting', { attempt });
      if (tokenExpired(this.token)) {
        if (refreshed || !(await this.refresh('expired'))) return this.unauthorized(new EdgeImError('UNAUTHORIZED', 'the token has expired'));
        refreshed = true;
        if (gen !== this.generation) return;
      }
      let closed!: Promise<CloseReason>;
      let conn: Connection;
      try {
        let onClose!: (r: CloseReason) => void;
        closed = new Promise((r) => (onClose = r));
        conn = await this.options.transport.connect(this.token, {
          onFrame: (f) => {
            if (this.conn === conn) this.onFrame(f);
          },
          onClose,
        });
      } catch (err) {
        const e = err instanceof EdgeImError ? err : new EdgeImError('NETWORK', String(err), { cause: err });
        if (gen !== this.generation) return;
        if (e.code === 'UNAUTHORIZED') {
          if (!refreshed && (await this.refresh('rejected'))) {
            refreshed = true;
            continue;
          }
          return this.unauthorized(e);
        }
        this.emit('error', e);
        await this.pause(gen, attempt++, e);
        continue;
      }
      if (gen !== this.generation) return conn.close();
      attempt = 0;
      refreshed = false;
      everOpened = true;
      this.conn = conn;
      this.setState('open');
      this.settleOpen();
      void this.afterOpen(conn);
      const reason = await closed;
      if (this.conn === conn) this.conn = undefined;
      this.stopHeartbeat();
      this.outbox.detach();
      if (gen !== this.generation) return;
      if (reason.code === '1006' || reason.code === 'CLOSED' || reason.code === 'HEARTBEAT_TIMEOUT') this.heartbeat?.failed();
      const error = new EdgeImError(reason.unauthorized ? 'UNAUTHORIZED' : 'DISCONNECTED', `${reason.code}: ${reason.message}`);
      if (reason.unauthorized) {
        if (await this.refresh('rejected')) {
          refreshed = true;
          continue;
        }
        return this.unauthorized(error);
      }
      if (!reason.reconnect) {
        this.wanted = false;
        this.emit('error', error);
        this.setState('closed', { error });
        return;
      }
      await this.pause(gen, attempt++, error);
    }
  }

  private async afterOpen(conn: Connection): Promise<void> {
    this.startHeartbeat(conn);
    try {
      await Promise.all([...this.rooms].map((room) => conn.request('join', { room })));
    } catch (err) {
      this.emit('error', asError(err));
    }
    if (this.conn !== conn) return;
    this.outbox.attach(conn);
    this.flushAcks();
    await Promise.all(['inbox', ...this.followed].map((t) => this.pull(t)));
  }

  private async pause(gen: number, attempt: number, error: EdgeImError): Promise<void> {
    const delay = backoffDelay(attempt, this.options.backoff);
    this.setState('reconnecting', { error, attempt: attempt + 1, retryInMs: delay });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => ((this.wake = undefined), resolve()), delay);
      this.wake = () => (clearTimeout(timer), (this.wake = undefined), resolve());
    });
    void gen;
  }

  private async refresh(reason: 'expired' | 'rejected'): Promise<boolean> {
    if (!this.options.refreshToken) return false;
    try {
      const token = await this.options.refreshToken(reason);
      if (!token || tokenExpired(token)) return false;
      this.setToken(token);
      return true;
    } catch (err) {
      this.emit('error', asError(err));
      return false;
    }
  }

  private unauthorized(error: EdgeImError): void {
    this.wanted = false;
    this.emit('error', error);
    this.setState('unauthorized', { error });
    this.settleOpen(error);
  }

  private setState(state: ConnectionState, extra: Omit<StateChange, 'state' | 'previous'> = {}): void {
    const previous = this._state;
    if (previous === state && state !== 'reconnecting') return;
    this._state = state;
    this.emit('state', { state, previous, ...extra });
  }

  private settleOpen(error?: EdgeImError): void {
    const waiters = this.openWaiters;
    this.openWaiters = [];
    for (const w of waiters) error ? w.reject(error) : w.resolve();
  }

  private onSendTimeout(err: EdgeImError): void {
    // No reply in time: the connection is likely dead. Drop it; the send is retried after the reconnect.
    this.emit('error', err);
    this.conn?.close();
  }

  // --- heartbeats ----------------------------------------------------------------------

  private startHeartbeat(conn: Connection): void {
    const opt = this.options.heartbeat;
    if (opt === false) return;
    if (!this.heartbeat) {
      this.heartbeat =
        typeof opt === 'object' ? new AdaptiveHeartbeat(opt) : new FixedHeartbeat(opt ?? conn.heartbeatHintMs ?? this.options.transport.defaultHeartbeatMs);
    }
    const policy = this.heartbeat;
    const beat = () => {
      this.heartbeatTimer = setTimeout(async () => {
        if (this.conn !== conn) return;
        try {
          await conn.request('heartbeat', {}, this.options.heartbeatTimeoutMs ?? 10_000);
          policy.succeeded();
          beat();
        } catch (err) {
          if (this.conn !== conn) return;
          policy.failed();
          this.emit('error', asError(err));
          conn.close();
        }
      }, policy.next());
    };
    beat();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  // --- frames, ordering, sync ------------------------------------------------------------

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'message':
        return this.onMessage(frame);
      case 'notify': {
        this.followed.add(frame.timeline);
        this.emit('notify', { timeline: frame.timeline, seq: frame.seq });
        if (frame.seq > this.tracker(frame.timeline).last) void this.pull(frame.timeline);
        return;
      }
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

  private onMessage(m: TimelineMessage): void {
    if (m.seq === 0 || m.timeline.startsWith('room:')) return this.deliver([{ timeline: m.timeline, seq: m.seq, message: m.message }]);
    const tracker = this.tracker(m.timeline);
    const before = tracker.last;
    this.deliver(tracker.push({ timeline: m.timeline, seq: m.seq, message: m.message }));
    if (tracker.last !== before) void this.storage.savePointer(m.timeline, tracker.last);
    if (tracker.hasGap) this.scheduleGapPull(m.timeline);
  }

  private scheduleGapPull(timeline: string): void {
    if (this.gapTimers.has(timeline)) return;
    this.gapTimers.set(
      timeline,
      setTimeout(() => {
        this.gapTimers.delete(timeline);
        if (this.tracker(timeline).hasGap) void this.pull(timeline);
      }, this.options.gapGraceMs ?? 250),
    );
  }

  /** Pulls a timeline from its pointer to the head; one pull at a time per timeline. */
  private pull(timeline: string): Promise<void> {
    const running = this.pulls.get(timeline);
    if (running) {
      running.again = true;
      return running.done;
    }
    const state = { again: false, done: Promise.resolve() };
    state.done = (async () => {
      try {
        do {
          state.again = false;
          await this.pullOnce(timeline);
        } while (state.again && this.conn);
      } catch (err) {
        const e = asError(err);
        if (e.code !== 'DISCONNECTED') this.emit('error', e);
      } finally {
        this.pulls.delete(timeline);
      }
    })();
    this.pulls.set(timeline, state);
    return state.done;
  }

  private async pullOnce(timeline: string): Promise<void> {
    const conn = this.conn;
    if (!conn) return;
    const tracker = this.tracker(timeline);
    const limit = this.options.syncPageSize ?? 200;
    let after = tracker.last;
    for (;;) {
      const page = (await conn.request('sync', { timeline, after, limit }, this.options.requestTimeoutMs)) as SyncPage;
      const before = tracker.last;
      const entries = page.messages.map((m) => ({ timeline: timeline as TimelineName, seq: m.seq, message: m.message }));
      this.deliver(tracker.pulled(entries, page.head));
      if (tracker.last !== before) void this.storage.savePointer(timeline, tracker.last);
      const pageMax = entries.length > 0 ? entries[entries.length - 1]!.seq : after;
      if (entries.length === 0 || pageMax >= page.head) {
        this.emit('synced', { timeline: timeline as TimelineName, head: page.head });
        if (tracker.hasGap) this.scheduleGapPull(timeline);
        return;
      }
      after = pageMax;
    }
  }

  private deliver(list: TimelineMessage[]): void {
    const fresh: TimelineMessage[] = [];
    for (const m of list) {
      if (this.seen.has(m.message.id)) continue;
      this.seen.add(m.message.id);
      if (this.seen.size > 20_000) this.seen.delete(this.seen.values().next().value as string);
      fresh.push(m);
    }
    if (fresh.length === 0) return;
    void this.storage.saveMessages(fresh).catch((err: unknown) => this.emit('error', asError(err)));
    for (const m of fresh) {
      this.emit('message', m);
      if (m.seq > 0 && this.options.autoAckDelivered !== false) this.queueAck(m.timeline, 'delivered', m.seq);
    }
  }

  private tracker(timeline: string): TimelineTracker {
    let t = this.trackers.get(timeline);
    if (!t) this.trackers.set(timeline, (t = new TimelineTracker()));
    return t;
  }

  private async loadPointers(): Promise<void> {
    const pointers = await this.storage.loadPointers();
    for (const [timeline, seq] of Object.entries(pointers)) {
      this.tracker(timeline).last = Math.max(this.tracker(timeline).last, seq);
      if (timeline.startsWith('group:')) this.followed.add(timeline);
    }
  }

  // --- acks ----------------------------------------------------------------------------

  private queueAck(timeline: string, kind: 'delivered' | 'read', seq: number): void {
    const key = `${kind}|${timeline}`;
    const cur = this.acks.get(key);
    if (cur && cur.seq >= seq) return;
    this.acks.set(key, { timeline, kind, seq });
    this.ackTimer ??= setTimeout(() => this.flushAcks(), this.options.ackIntervalMs ?? 1000);
  }

  private flushAcks(): void {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const conn = this.conn;
    if (!conn || this.acks.size === 0) return;
    const batch = [...this.acks.values()];
    this.acks.clear();
    // A read ack also moves delivered: skip the delivered ack it covers.
    const reads = new Map(batch.filter((a) => a.kind === 'read').map((a) => [a.timeline, a.seq]));
    for (const a of batch) {
      if (a.kind === 'delivered' && (reads.get(a.timeline) ?? 0) >= a.seq) continue;
      conn.request('ack', { timeline: a.timeline, seq: a.seq, kind: a.kind }, this.options.requestTimeoutMs).catch(() => this.queueAck(a.timeline, a.kind, a.seq));
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

function asError(err: unknown): EdgeImError {
  return err instanceof EdgeImError ? err : new EdgeImError('INTERNAL', String((err as Error)?.message ?? err), { cause: err });
}

/** A fresh client message id: random, URL-safe, ≤ 64 chars. */
export function newCmid(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return c?.randomUUID ? c.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}
