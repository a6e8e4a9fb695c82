import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DedupEntry, QueueLog, QueueMessage } from './fifo-queue.js';

/** One line of the journal (JSON). */
export type JournalRecord =
  | { t: 'queue'; name: string; attributes: Record<string, string>; createdAt: number }
  | { t: 'send'; q: string; id: string; seq: string; group: string; dedup: string; body: string; sentAt: number; receiveCount?: number; firstReceiveAt?: number }
  | { t: 'receive'; q: string; ids: string[]; at: number }
  | { t: 'delete'; q: string; ids: string[] }
  | { t: 'purge'; q: string }
  | ({ t: 'dedup'; q: string } & DedupEntry);

const FILE = 'queues.journal';

/**
 * The local SQS's append-only journal: one JSON line per change, written with a
 * synchronous write before the change is acknowledged, so a process killed at any
 * moment (`kill -9`) loses nothing it acknowledged (the data is in the OS's page cache;
 * surviving a power cut would need an fsync per write, which a laptop runtime does not pay).
 *
 * `open` reads what a previous run wrote (ignoring a torn last line), and `compact`
 * replaces the file with a snapshot of the live state, written aside and renamed in, so
 * the journal only grows with the current run's traffic.
 */
export class Journal implements QueueLog {
  private fd: number | undefined;

  private constructor(private readonly dir: string) {}

  /** Opens (creating) the journal in `dir` and returns what it held. */
  static open(dir: string): { journal: Journal; records: JournalRecord[] } {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, FILE);
    const records: JournalRecord[] = [];
    if (existsSync(path)) {
      const lines = readFileSync(path, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (!line) return;
        try {
          records.push(JSON.parse(line) as JournalRecord);
        } catch (err) {
          if (i < lines.length - 1 && lines.slice(i + 1).some(Boolean)) throw new Error(`${path}: line ${i + 1} is not valid JSON`, { cause: err });
          // a torn last line: the write it belonged to was never acknowledged
        }
      });
    }
    return { journal: new Journal(dir), records };
  }

  /** Replaces the journal with `records` (the live state), then appends to it. */
  compact(records: JournalRecord[]): void {
    this.close();
    const path = join(this.dir, FILE);
    const tmp = `${path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      const text = records.map((r) => `${JSON.stringify(r)}\n`).join('');
      if (text) writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    this.fd = openSync(path, 'a');
  }

  append(record: JournalRecord): void {
    if (this.fd === undefined) throw new Error('the journal is closed');
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
  }

  created(name: string, attributes: Record<string, string>, createdAt: number): void {
    this.append({ t: 'queue', name, attributes, createdAt });
  }

  sent(q: string, m: QueueMessage): void {
    this.append({ t: 'send', q, id: m.id, seq: m.seq, group: m.group, dedup: m.dedup, body: m.body, sentAt: m.sentAt });
  }

  received(q: string, ids: string[], at: number): void {
    this.append({ t: 'receive', q, ids, at });
  }

  deleted(q: string, ids: string[]): void {
    this.append({ t: 'delete', q, ids });
  }

  purged(q: string): void {
    this.append({ t: 'purge', q });
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
