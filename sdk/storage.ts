import type { TimelineMessage } from './types.js';

/**
 * Where the client keeps its local cache: the last seq handled per timeline (so a
 * reconnect or a restart syncs only what is new) and message history per conversation
 * (so a conversation shows before the network answers). One store per user.
 *
 * Contract: writes may be fire-and-forget from the client's point of view, but a store
 * must apply them in call order; `savePointer` only ever moves a pointer forward;
 * `saveMessages` ignores a message id it already holds.
 */
export interface ClientStorage {
  /** Every saved pointer: timeline → highest seq handled. */
  loadPointers(): Promise<Record<string, number>>;
  savePointer(timeline: string, seq: number): Promise<void>;
  saveMessages(messages: readonly TimelineMessage[]): Promise<void>;
  /** The last `limit` messages of a conversation, oldest first. */
  history(conv: string, limit?: number): Promise<TimelineMessage[]>;
  /** Conversations with at least one stored message. */
  conversations(): Promise<string[]>;
}

/**
 * The default store: in memory, gone when the page or process goes. Keeps up to
 * `maxPerConversation` messages per conversation (default 1 000).
 *
 * @example
 * const client = new EdgeImClient({ transport, token, storage: new MemoryStorage({ maxPerConversation: 200 }) });
 */
export class MemoryStorage implements ClientStorage {
  private readonly pointers = new Map<string, number>();
  private readonly byConv = new Map<string, TimelineMessage[]>();
  private readonly ids = new Set<string>();
  private readonly max: number;

  constructor(options: { maxPerConversation?: number } = {}) {
    this.max = options.maxPerConversation ?? 1000;
  }

  async loadPointers(): Promise<Record<string, number>> {
    return Object.fromEntries(this.pointers);
  }

  async savePointer(timeline: string, seq: number): Promise<void> {
    if (seq > (this.pointers.get(timeline) ?? 0)) this.pointers.set(timeline, seq);
  }

  async saveMessages(messages: readonly TimelineMessage[]): Promise<void> {
    for (const m of messages) {
      if (this.ids.has(m.message.id)) continue;
      this.ids.add(m.message.id);
      let list = this.byConv.get(m.message.conv);
      if (!list) this.byConv.set(m.message.conv, (list = []));
      list.push(m);
      if (list.length > this.max) for (const old of list.splice(0, list.length - this.max)) this.ids.delete(old.message.id);
    }
  }

  async history(conv: string, limit = 50): Promise<TimelineMessage[]> {
    return (this.byConv.get(conv) ?? []).slice(-limit);
  }

  async conversations(): Promise<string[]> {
    return [...this.byConv.keys()];
  }
}
