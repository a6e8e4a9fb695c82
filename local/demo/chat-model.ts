/**
 * The demo page's state, without the DOM: conversations and their entries, the user's
 * own messages from the moment they are typed (pending → sent, or failed) reconciled
 * with what the server sends back by client message id, receipts, and backend pushes.
 */
import { convOf, type PushEvent, type Target, type TimelineMessage } from '../../sdk/index.js';

/** Where one of the user's own messages stands. */
export type Status = 'pending' | 'failed' | 'sent' | 'delivered' | 'read';
const RANK: Record<Status, number> = { failed: 0, pending: 1, sent: 2, delivered: 3, read: 4 };

/** One line of a conversation: a message (anyone's) or a backend push. */
export interface Entry {
  /** Server message id once known. */
  id?: string;
  cmid: string;
  from: string;
  /** Sent by a business backend (`from` is its display name), or a transient push. */
  backend: boolean;
  body: unknown;
  sentAt: number;
  /** The signed-in user sent it (from this device or another). */
  mine: boolean;
  status?: Status;
  /** Why it failed, for the retry prompt. */
  error?: string;
  timeline?: string;
  seq?: number;
  /** Set for transient pushes: their op. */
  op?: number;
}

export type ConversationKind = 'person' | 'group' | 'room' | 'backend' | 'pushes';

export interface Conversation {
  conv: string;
  /** Where a reply goes; none for backend senders and pushes (they cannot be answered). */
  target?: Target;
  label: string;
  kind: ConversationKind;
  unread: number;
  entries: Entry[];
}

/** The conversation id of the backend pushes list. */
export const PUSHES = 'pushes';

export class ChatModel {
  readonly convs = new Map<string, Conversation>();
  /** The user's inbox read pointer when the page loaded: inbox messages at or below it are not unread. */
  readUpTo = 0;
  private readonly byId = new Map<string, Entry>();
  private readonly byCmid = new Map<string, Entry>();

  constructor(readonly me: string) {
    this.convs.set(PUSHES, { conv: PUSHES, label: 'Pushes', kind: 'pushes', unread: 0, entries: [] });
  }

  /** The conversation of a target, made when missing. */
  conversation(target: Target, label?: string): Conversation {
    const conv = convOf(this.me, target);
    let c = this.convs.get(conv);
    if (!c) {
      const kind = 'user' in target ? 'person' : 'group' in target ? 'group' : 'room';
      const name = label ?? ('user' in target ? target.user : 'group' in target ? `# ${target.group}` : `~ ${target.room}`);
      this.convs.set(conv, (c = { conv, target, label: name, kind, unread: 0, entries: [] }));
    }
    return c;
  }

  /**
   * A message from the server (pushed, synced or from local history). Returns its
   * conversation when it is new; a copy of one of the user's own messages (matched by
   * cmid) confirms that one instead.
   */
  receive(m: TimelineMessage, opts: { live: boolean; current?: Conversation | undefined }): Conversation | undefined {
    const msg = m.message;
    if (this.byId.has(msg.id)) return undefined;
    const backend = msg.backend === true;
    const mine = msg.from === this.me && !backend;
    const own = mine ? this.byCmid.get(msg.cmid) : undefined;
    if (own) {
      this.name(own, msg.id);
      Object.assign(own, { timeline: m.timeline, seq: m.seq });
      return undefined;
    }
    const c = this.conversationOf(m);
    const entry: Entry = { id: msg.id, cmid: msg.cmid, from: msg.from, backend, body: msg.body, sentAt: msg.sentAt, mine, timeline: m.timeline, seq: m.seq };
    if (mine) entry.status = 'sent';
    this.byId.set(msg.id, entry);
    if (mine) this.byCmid.set(msg.cmid, entry);
    insert(c.entries, entry);
    const alreadyRead = m.timeline === 'inbox' && m.seq <= this.readUpTo;
    if (opts.live && !mine && !alreadyRead && c !== opts.current) c.unread++;
    return c;
  }

  /** The user typed a message: it shows at once, pending. */
  typed(c: Conversation, body: unknown, cmid: string): Entry {
    const entry: Entry = { cmid, from: this.me, backend: false, body, sentAt: Date.now(), mine: true, status: 'pending' };
    this.byCmid.set(cmid, entry);
    c.entries.push(entry);
    return entry;
  }

  /** The server accepted it (durable): sent. */
  confirmed(entry: Entry, msgId: string): void {
    this.name(entry, msgId);
  }

  failed(entry: Entry, error: string): void {
    if (entry.id) return; // a copy came back meanwhile: it was stored after all
    entry.status = 'failed';
    entry.error = error;
  }

  retrying(entry: Entry): void {
    entry.status = 'pending';
    delete entry.error;
  }

  /** A transient push from a backend. */
  push(p: PushEvent, current: Conversation | undefined): Conversation {
    const c = this.convs.get(PUSHES)!;
    const body = p.body !== undefined ? p.body : `(${p.bytes?.length ?? 0} bytes, not text)`;
    c.entries.push({ cmid: '', from: `op ${p.op}`, backend: true, body, sentAt: Date.now(), mine: false, op: p.op });
    if (c !== current) c.unread++;
    return c;
  }

  /** Receipts for the user's messages to `peer`: ids the peer's devices got, and ids the peer read. */
  receipts(delivered: readonly string[], read: readonly string[]): boolean {
    let changed = false;
    const raise = (id: string, status: Status) => {
      const e = this.byId.get(id);
      if (e?.mine && e.status && RANK[status] > RANK[e.status]) {
        e.status = status;
        changed = true;
      }
    };
    for (const id of delivered) raise(id, 'delivered');
    for (const id of read) raise(id, 'read');
    return changed;
  }

  /** People whose receipts are still worth asking for: some 1:1 message of the user's to them is not read yet. */
  awaitingReceipts(): string[] {
    const peers: string[] = [];
    for (const c of this.convs.values()) {
      if (c.kind !== 'person' || !c.target || !('user' in c.target)) continue;
      if (c.entries.some((e) => e.mine && e.id && e.status !== 'read')) peers.push(c.target.user);
    }
    return peers;
  }

  private name(entry: Entry, id: string): void {
    if (!entry.id) {
      entry.id = id;
      this.byId.set(id, entry);
    }
    if (!entry.status || RANK[entry.status] < RANK.sent) entry.status = 'sent';
    delete entry.error;
  }

  private conversationOf(m: TimelineMessage): Conversation {
    const msg = m.message;
    const [kind, a = '', b = ''] = msg.conv.split(':');
    if (kind === 'u' && msg.backend) {
      let c = this.convs.get(msg.conv);
      if (!c) this.convs.set(msg.conv, (c = { conv: msg.conv, label: msg.from, kind: 'backend', unread: 0, entries: [] }));
      return c;
    }
    if (kind === 'u') return this.conversation({ user: a === this.me ? b : a });
    if (kind === 'g') return this.conversation({ group: msg.conv.slice(2) });
    return this.conversation({ room: msg.conv.slice(2) });
  }
}

/** Inserts by send time (history and syncs can bring older messages after newer ones). */
function insert(list: Entry[], entry: Entry): void {
  let i = list.length;
  while (i > 0 && list[i - 1]!.sentAt > entry.sentAt) i--;
  list.splice(i, 0, entry);
}
