/**
 * Reads shared by concurrent callers, per key (a room's count, the live totals).
 *
 * Contract: a caller never gets the result of a read that began before its call (so
 * read-your-writes holds: a count asked for after a join includes it). A caller that
 * arrives while a read of its key runs waits for the next one, which starts when the
 * running one ends and is shared by everyone who arrived meanwhile. So at most two reads
 * per key exist at any time, however many callers ask: a storm of heartbeats or presence
 * requests costs two reads per read time, not one per request.
 */
export class SharedReads<V> {
  private readonly slots = new Map<string, { running: Promise<V>; next: Promise<V> | undefined }>();

  read(key: string, run: () => Promise<V>): Promise<V> {
    const slot = this.slots.get(key);
    if (!slot) return this.start(key, run);
    slot.next ??= slot.running.then(noop, noop).then(() => {
      slot.next = undefined;
      return this.start(key, run, slot);
    });
    return slot.next;
  }

  private start(key: string, run: () => Promise<V>, existing?: { running: Promise<V>; next: Promise<V> | undefined }): Promise<V> {
    let running: Promise<V>;
    try {
      running = run();
    } catch (err) {
      running = Promise.reject(err);
    }
    const slot = existing ?? { running, next: undefined };
    slot.running = running;
    this.slots.set(key, slot);
    running.then(noop, noop).then(() => {
      if (slot.running === running && slot.next === undefined) this.slots.delete(key);
    });
    return running;
  }
}

function noop(): void {}
