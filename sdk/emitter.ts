/** A small typed event emitter (no Node `events`, so it runs in browsers). */
export class Emitter<Events extends { [K in keyof Events]: (arg: never) => void }> {
  private readonly listeners = new Map<keyof Events, Set<(arg: never) => void>>();

  /**
   * Adds a listener; returns a function that removes it.
   *
   * @example
   * const off = client.on('message', (m) => render(m));
   * off();
   */
  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => this.off(event, listener);
  }

  /** Removes a listener. */
  off<K extends keyof Events>(event: K, listener: Events[K]): void {
    this.listeners.get(event)?.delete(listener);
  }

  protected emit<K extends keyof Events>(event: K, arg: Parameters<Events[K]>[0]): void {
    for (const l of [...(this.listeners.get(event) ?? [])]) {
      try {
        (l as (a: typeof arg) => void)(arg);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
