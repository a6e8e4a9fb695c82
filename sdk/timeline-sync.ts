import type { AckBatcher } from './ack-batcher.js';
import type { EmitEvent } from './client-events.js';
import type { EdgeImClientOptions } from './client-options.js';
import { asError } from './errors.js';
import type { ClientStorage } from './storage.js';
import { TimelineTracker } from './timeline-tracker.js';
import type { Connection } from './transport.js';
import type { Message, NotifyEvent, OwnSeq, SyncPage, TimelineMessage, TimelineName } from './types.js';

/** `sync` page size when the app sets no `syncPageSize`: the largest the server takes. */
export const DEFAULT_SYNC_PAGE_SIZE = 200;

/** Own sent messages remembered to close the gaps they leave (the server does not push them back). */
const MAX_OWN = 1000;
/** The longest wait between re-pulls of a gap that does not move. */
const MAX_GAP_PULL_MS = 4000;

/**
 * Keeps the synced timelines (`inbox` and followed large groups) complete and in order:
 * pushed messages go through a TimelineTracker per timeline; a gap that outlives
 * `gapGraceMs` is re-pulled; `sync` pulls run one at a time per timeline, page by page
 * up to the head; messages are delivered once per id, stored, and acked as delivered
 * (`autoAckDelivered`). The seq pointers persist in the client storage.
 *
 * Own sends: the server pushes a message to every connection but the one that sent it,
 * yet it takes a seq in the sender's inbox. The client remembers its confirmed sends
 * (`sent`) and an inbox frame names the seqs just below it that hold the user's own
 * messages (`own`): a gap made only of this client's sends is closed on the spot, with
 * no `sync` (and no `message` event: the app has the message from `send()`).
 */
export class TimelineSync {
  /** Large-group timelines (`group:<gid>`) synced after every (re)connect, besides `inbox`. */
  readonly followed = new Set<string>();
  private readonly trackers = new Map<string, TimelineTracker>();
  private readonly pulls = new Map<string, { again: boolean; done: Promise<void> }>();
  private readonly gapTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Per timeline: the pointer at the last gap re-pull, and how many re-pulls in a row left it there. */
  private readonly gapRepulls = new Map<string, { last: number; repeats: number }>();
  /** Timelines whose last pull the server held back before a seq that may still land (`held`): pulled again like a gap. */
  private readonly held = new Set<string>();
  private readonly seen = new Set<string>();
  /** This client's confirmed sends, by message id. */
  private readonly own = new Map<string, Message>();
  /** Per timeline: seqs an `own` hint named whose message id is not (yet) known as one of ours → that id. */
  private readonly hints = new Map<string, Map<number, string>>();
  private loaded: Promise<void> | undefined;

  constructor(
    private readonly options: Pick<EdgeImClientOptions, 'follow' | 'requestTimeoutMs' | 'syncPageSize' | 'gapGraceMs' | 'autoAckDelivered'>,
    private readonly storage: ClientStorage,
    private readonly connection: () => Connection | undefined,
    private readonly acks: AckBatcher,
    private readonly emit: EmitEvent,
    private readonly me: () => string = () => '',
  ) {
    for (const gid of options.follow ?? []) this.followed.add(`group:${gid}`);
  }

  /** Loads the stored seq pointers (once; later calls return the same promise). */
  load(): Promise<void> {
    this.loaded ??= this.loadPointers();
    return this.loaded;
  }

  /** A pushed message: delivered in order, or held back behind a gap that is re-pulled if it stays. */
  onMessage(m: TimelineMessage & { own?: OwnSeq[] | undefined }): void {
    if (m.seq === 0 || m.timeline.startsWith('room:')) return this.deliver([{ timeline: m.timeline, seq: m.seq, message: m.message }]);
    if (m.timeline.startsWith('group:')) this.followed.add(m.timeline); // a large group: sync it after reconnects
    const tracker = this.tracker(m.timeline);
    const before = tracker.last;
    for (const hint of m.own ?? []) this.hint(m.timeline, hint);
    this.deliver(tracker.push({ timeline: m.timeline, seq: m.seq, message: m.message }));
    if (tracker.last !== before) void this.storage.savePointer(m.timeline, tracker.last);
    if (tracker.hasGap) this.scheduleGapPull(m.timeline);
  }

  /**
   * A send of this client was confirmed: its message is stored in the history now (seq
   * unknown: 0) and its inbox seq, once an `own` hint names it, closes that gap.
   */
  sent(message: Message): void {
    this.own.set(message.id, message);
    if (this.own.size > MAX_OWN) this.own.delete(this.own.keys().next().value as string);
    this.markSeen(message.id);
    void this.storage.saveMessages([{ timeline: 'inbox', seq: 0, message }]).catch((err: unknown) => this.emit('error', asError(err)));
    for (const [timeline, hints] of this.hints) {
      for (const [seq, id] of hints) if (id === message.id) this.fillOwn(timeline, seq, id);
    }
  }

  /** An `own` hint: fills the seq now when the message is one of ours, else remembers it for when the send is confirmed. */
  private hint(timeline: string, { seq, id }: OwnSeq): void {
    if (seq <= this.tracker(timeline).last) return;
    if (this.own.has(id)) return this.fillOwn(timeline, seq, id);
    let hints = this.hints.get(timeline);
    if (!hints) this.hints.set(timeline, (hints = new Map()));
    hints.set(seq, id);
    if (hints.size > MAX_OWN) hints.delete(hints.keys().next().value as number);
  }

  private fillOwn(timeline: string, seq: number, id: string): void {
    this.hints.get(timeline)?.delete(seq);
    const message = this.own.get(id);
    const tracker = this.tracker(timeline);
    if (!message || seq <= tracker.last) return;
    const before = tracker.last;
    this.deliver(tracker.push({ timeline: timeline as TimelineName, seq, message }));
    if (tracker.last !== before) void this.storage.savePointer(timeline, tracker.last);
  }

  /** A large group's timeline moved: follow it, tell the app, pull it when behind. */
  onNotify(timeline: NotifyEvent['timeline'], seq: number): void {
    this.followed.add(timeline);
    this.emit('notify', { timeline, seq });
    if (seq > this.tracker(timeline).last) void this.pull(timeline);
  }

  /** Follows a timeline from now on and pulls it. */
  follow(timeline: string): Promise<void> {
    this.followed.add(timeline);
    return this.pull(timeline);
  }

  /** Drops the pending gap re-pulls (on `close()`). */
  cancelGapPulls(): void {
    for (const t of this.gapTimers.values()) clearTimeout(t);
    this.gapTimers.clear();
  }

  /** Pulls a timeline from its pointer to the head; one pull at a time per timeline. */
  pull(timeline: string): Promise<void> {
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
        } while (state.again && this.connection());
      } catch (err) {
        const e = asError(err);
        // A group the user left (or that was deleted) is followed no more: no FORBIDDEN / NOT_FOUND at every reconnect.
        if ((e.code === 'FORBIDDEN' || e.code === 'NOT_FOUND') && timeline.startsWith('group:')) this.followed.delete(timeline);
        if (e.code !== 'DISCONNECTED') this.emit('error', e);
      } finally {
        this.pulls.delete(timeline);
      }
    })();
    this.pulls.set(timeline, state);
    return state.done;
  }

  /**
   * Re-pulls a gap, or a page the server held back (`held`: below a seq whose write may
   * still be in flight), after `gapGraceMs`; while re-pulls leave the pointer where it was,
   * each waits twice as long as the one before, up to MAX_GAP_PULL_MS.
   */
  private scheduleGapPull(timeline: string): void {
    if (this.gapTimers.has(timeline)) return;
    const last = this.tracker(timeline).last;
    const previous = this.gapRepulls.get(timeline);
    const repeats = previous && previous.last === last ? previous.repeats + 1 : 0;
    this.gapRepulls.set(timeline, { last, repeats });
    const delay = Math.min((this.options.gapGraceMs ?? 250) * 2 ** repeats, MAX_GAP_PULL_MS);
    this.gapTimers.set(
      timeline,
      setTimeout(() => {
        this.gapTimers.delete(timeline);
        if (this.tracker(timeline).hasGap || this.held.has(timeline)) void this.pull(timeline);
        else this.gapRepulls.delete(timeline);
      }, delay),
    );
  }

  private async pullOnce(timeline: string): Promise<void> {
    const conn = this.connection();
    if (!conn) return;
    const tracker = this.tracker(timeline);
    const limit = this.options.syncPageSize ?? DEFAULT_SYNC_PAGE_SIZE;
    let after = tracker.last;
    for (;;) {
      const page = (await conn.request('sync', { timeline, after, limit }, this.options.requestTimeoutMs)) as SyncPage;
      const before = tracker.last;
      const entries = page.messages.map((m) => ({ timeline: timeline as TimelineName, seq: m.seq, message: m.message }));
      this.deliver(tracker.pulled(entries, page.head));
      if (tracker.last !== before) void this.storage.savePointer(timeline, tracker.last);
      const pageMax = entries.length > 0 ? entries[entries.length - 1]!.seq : after;
      if (page.held) this.held.add(timeline);
      else this.held.delete(timeline);
      if (entries.length === 0 || pageMax >= page.head) {
        this.emit('synced', { timeline: timeline as TimelineName, head: page.head });
        if (tracker.hasGap || page.held) this.scheduleGapPull(timeline);
        return;
      }
      after = pageMax;
    }
  }

  private markSeen(id: string): void {
    this.seen.add(id);
    if (this.seen.size > 20_000) this.seen.delete(this.seen.values().next().value as string);
  }

  private deliver(list: TimelineMessage[]): void {
    const fresh: TimelineMessage[] = [];
    for (const m of list) {
      if (this.seen.has(m.message.id)) continue;
      this.markSeen(m.message.id);
      fresh.push(m);
    }
    if (fresh.length === 0) return;
    void this.storage.saveMessages(fresh).catch((err: unknown) => this.emit('error', asError(err)));
    for (const m of fresh) {
      this.emit('message', m);
      if (m.seq > 0 && this.acksDelivered(m)) this.acks.queue(m.timeline, 'delivered', m.seq);
    }
  }

  /** Whether to ack this delivered message (`autoAckDelivered`; default: 1:1 messages others sent). */
  private acksDelivered(m: TimelineMessage): boolean {
    const policy = this.options.autoAckDelivered ?? 'direct';
    if (policy !== 'direct') return policy;
    return 'user' in m.message.to && (m.message.backend === true || m.message.from !== this.me());
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
}
