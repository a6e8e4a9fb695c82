import type { AckBatcher } from './ack-batcher.js';
import type { EmitEvent } from './client-events.js';
import type { EdgeImClientOptions } from './client-options.js';
import { asError } from './errors.js';
import type { ClientStorage } from './storage.js';
import { TimelineTracker } from './timeline-tracker.js';
import type { Connection } from './transport.js';
import type { SyncPage, TimelineMessage, TimelineName } from './types.js';

/**
 * Keeps the synced timelines (`inbox` and followed large groups) complete and in order:
 * pushed messages go through a TimelineTracker per timeline; a gap that outlives
 * `gapGraceMs` is re-pulled; `sync` pulls run one at a time per timeline, page by page
 * up to the head; messages are delivered once per id, stored, and acked as delivered.
 * The seq pointers persist in the client storage.
 */
export class TimelineSync {
  /** Large-group timelines (`group:<gid>`) synced after every (re)connect, besides `inbox`. */
  readonly followed = new Set<string>();
  private readonly trackers = new Map<string, TimelineTracker>();
  private readonly pulls = new Map<string, { again: boolean; done: Promise<void> }>();
  private readonly gapTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly seen = new Set<string>();
  private loaded: Promise<void> | undefined;

  constructor(
    private readonly options: Pick<EdgeImClientOptions, 'follow' | 'requestTimeoutMs' | 'syncPageSize' | 'gapGraceMs' | 'autoAckDelivered'>,
    private readonly storage: ClientStorage,
    private readonly connection: () => Connection | undefined,
    private readonly acks: AckBatcher,
    private readonly emit: EmitEvent,
  ) {
    for (const gid of options.follow ?? []) this.followed.add(`group:${gid}`);
  }

  /** Loads the stored seq pointers (once; later calls return the same promise). */
  load(): Promise<void> {
    this.loaded ??= this.loadPointers();
    return this.loaded;
  }

  /** A pushed message: delivered in order, or held back behind a gap that is re-pulled if it stays. */
  onMessage(m: TimelineMessage): void {
    if (m.seq === 0 || m.timeline.startsWith('room:')) return this.deliver([{ timeline: m.timeline, seq: m.seq, message: m.message }]);
    const tracker = this.tracker(m.timeline);
    const before = tracker.last;
    this.deliver(tracker.push({ timeline: m.timeline, seq: m.seq, message: m.message }));
    if (tracker.last !== before) void this.storage.savePointer(m.timeline, tracker.last);
    if (tracker.hasGap) this.scheduleGapPull(m.timeline);
  }

  /** A large group's timeline moved: follow it, tell the app, pull it when behind. */
  onNotify(timeline: TimelineName, seq: number): void {
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
        if (e.code !== 'DISCONNECTED') this.emit('error', e);
      } finally {
        this.pulls.delete(timeline);
      }
    })();
    this.pulls.set(timeline, state);
    return state.done;
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

  private async pullOnce(timeline: string): Promise<void> {
    const conn = this.connection();
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
      if (m.seq > 0 && this.options.autoAckDelivered !== false) this.acks.queue(m.timeline, 'delivered', m.seq);
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
}
