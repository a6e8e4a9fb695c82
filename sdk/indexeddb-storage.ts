import type { ClientStorage } from './storage.js';
import type { TimelineMessage } from './types.js';

/**
 * A browser store on IndexedDB: database `edgeim-<uid>` with a `pointers` store and a
 * `messages` store indexed by conversation and arrival, so history shows at once after
 * a reload and the reconnect syncs only what is new.
 *
 * @example
 * const storage = await IndexedDbStorage.open('alice');
 * const client = new EdgeImClient({ transport, token, storage });
 * const recent = await storage.history('u:alice:bob', 50);
 */
export class IndexedDbStorage implements ClientStorage {
  private order = Date.now() * 1000;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(private readonly db: IDBDatabase) {}

  /** Opens (or creates) the store of one user; `factory` defaults to the global `indexedDB`. */
  static open(uid: string, factory: IDBFactory = globalThis.indexedDB): Promise<IndexedDbStorage> {
    return new Promise((resolve, reject) => {
      const req = factory.open(`edgeim-${uid}`, 1);
      req.onupgradeneeded = () => {
        const db = req.result;
        db.createObjectStore('pointers');
        const messages = db.createObjectStore('messages', { keyPath: 'id' });
        messages.createIndex('conv', ['conv', 'order']);
      };
      req.onsuccess = () => resolve(new IndexedDbStorage(req.result));
      req.onerror = () => reject(req.error);
    });
  }

  loadPointers(): Promise<Record<string, number>> {
    return this.run('pointers', 'readonly', (tx) => {
      const store = tx.objectStore('pointers');
      const out: Record<string, number> = {};
      return new Promise((resolve, reject) => {
        const req = store.openCursor();
        req.onsuccess = () => {
          const cursor = req.result;
          if (!cursor) return resolve(out);
          out[String(cursor.key)] = cursor.value as number;
          cursor.continue();
        };
        req.onerror = () => reject(req.error);
      });
    });
  }

  savePointer(timeline: string, seq: number): Promise<void> {
    return this.queue(() =>
      this.run('pointers', 'readwrite', (tx) => {
        const store = tx.objectStore('pointers');
        const get = store.get(timeline);
        get.onsuccess = () => {
          if (seq > ((get.result as number | undefined) ?? 0)) store.put(seq, timeline);
        };
        return done(tx);
      }),
    );
  }

  saveMessages(messages: readonly TimelineMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return this.queue(() =>
      this.run('messages', 'readwrite', (tx) => {
        const store = tx.objectStore('messages');
        for (const m of messages) {
          const row = { id: m.message.id, conv: m.message.conv, order: ++this.order, entry: m };
          const get = store.getKey(row.id);
          get.onsuccess = () => {
            if (get.result === undefined) store.put(row);
          };
        }
        return done(tx);
      }),
    );
  }

  history(conv: string, limit = 50): Promise<TimelineMessage[]> {
    return this.run('messages', 'readonly', (tx) => {
      const index = tx.objectStore('messages').index('conv');
      const out: TimelineMessage[] = [];
      return new Promise((resolve, reject) => {
        const req = index.openCursor(IDBKeyRange.bound([conv, -Infinity], [conv, Infinity]), 'prev');
        req.onsuccess = () => {
          const cursor = req.result;
          if (!cursor || out.length >= limit) return resolve(out.reverse());
          out.push((cursor.value as { entry: TimelineMessage }).entry);
          cursor.continue();
        };
        req.onerror = () => reject(req.error);
      });
    });
  }

  conversations(): Promise<string[]> {
    return this.run('messages', 'readonly', (tx) => {
      const index = tx.objectStore('messages').index('conv');
      const out: string[] = [];
      return new Promise((resolve, reject) => {
        const req = index.openKeyCursor(null, 'nextunique');
        req.onsuccess = () => {
          const cursor = req.result;
          if (!cursor) return resolve([...new Set(out)]);
          out.push((cursor.key as [string, number])[0]);
          cursor.continue();
        };
        req.onerror = () => reject(req.error);
      });
    });
  }

  /** Closes the database. */
  close(): void {
    this.db.close();
  }

  private run<T>(store: string, mode: IDBTransactionMode, body: (tx: IDBTransaction) => Promise<T>): Promise<T> {
    return body(this.db.transaction(store, mode));
  }

  private queue(write: () => Promise<void>): Promise<void> {
    const next = this.chain.then(write, write);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}
