import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { InternalError } from '../../shared/errors.js';
import type { DedupEntry, QueueLog, QueueMessage } from './fifo-queue.js';

/** The journal cannot be read (a torn line before others) or written (closed). */
export class JournalError extends InternalError {
  override name = 'JournalError';
}

/** One line of the journal (JSON). */
export type JournalRecord =
  | { t: 'queue'; name: string; attributes: Record<string, string>; createdAt: number }
  | { t: 'attributes'; q: string; attributes: Record<string, string> }
  | { t: 'send'; q: string; id: string; seq: string; group: string; dedup: string; body: string; sentAt: number; receiveCount?: number; firstReceiveAt?: number }
  | { t: 'receive'; q: string; ids: string[]; at: number }
  | { t: 'delete'; q: string; ids: string[] }
  | { t: 'move'; q: string; to: string; id: string }
  | { t: 'purge'; q: string }
  | ({ t: 'dedup'; q: string } & DedupEntry);

const FILE = 'queues.journal';
/** Bytes read (and written, when compacting) per system call. */
const CHUNK_BYTES = 1024 * 1024;
/** A running journal is compacted once it is past this size … */
export const JOURNAL_COMPACT_MIN_BYTES = 4 * 1024 * 1024;
/** … and this many times the live state written by the last compaction. */
export const JOURNAL_COMPACT_FACTOR = 4;

/** The steps of a compaction, for a test to stop the process at (`kill -9` mid-compaction). */
export type CompactStep = 'writing' | 'written' | 'renamed';

export interface JournalOptions {
  /** Compact when the file is past this many bytes (and past `compactFactor` × the live state). Default JOURNAL_COMPACT_MIN_BYTES. */
  compactMinBytes?: number;
  /** Default JOURNAL_COMPACT_FACTOR. */
  compactFactor?: number;
  /** Called at each step of a compaction (tests stop the process there). */
  onCompactStep?: (step: CompactStep) => void;
}

/**
 * The local SQS's append-only journal: one JSON line per change, written with a
 * synchronous write before the change is acknowledged, so a process killed at any
 * moment (`kill -9`) loses nothing it acknowledged (the data is in the OS's page cache;
 * surviving a power cut would need an fsync per write, which a laptop runtime does not pay).
 *
 * `Journal.records` reads what a previous run wrote, a chunk at a time (a journal of any
 * size opens; a torn last line is ignored). `compact` replaces the file with a snapshot
 * of the live state: written aside, fsynced and renamed over the journal, so a process
 * killed at any point of it leaves either the old journal or the new one, whole. The
 * owner compacts at start and whenever `needsCompaction()` says the file has grown past
 * JOURNAL_COMPACT_MIN_BYTES and JOURNAL_COMPACT_FACTOR times the live state: the file
 * stays proportional to what is queued, not to the traffic that came and went, and a
 * compaction's cost is paid for by at least (factor - 1) times its size in appends.
 */
export class Journal implements QueueLog {
  private fd: number | undefined;
  /** Bytes of whole lines in the file (a failed append is cut back to it). */
  private size = 0;
  /** The size past which the journal is compacted again. */
  private threshold: number;
  private readonly minBytes: number;
  private readonly factor: number;

  private constructor(
    private readonly dir: string,
    private readonly options: JournalOptions,
  ) {
    this.minBytes = options.compactMinBytes ?? JOURNAL_COMPACT_MIN_BYTES;
    this.factor = options.compactFactor ?? JOURNAL_COMPACT_FACTOR;
    this.threshold = this.minBytes;
  }

  /** The journal in `dir` (created if missing); read it with `records`, then `compact` before appending. */
  static open(dir: string, options: JournalOptions = {}): Journal {
    mkdirSync(dir, { recursive: true });
    return new Journal(dir, options);
  }

  /**
   * The records a previous run wrote in `dir`, in order, read a chunk at a time (never the
   * whole file as one string). An unreadable last line is a write that a kill cut short,
   * never acknowledged, and is skipped; an unreadable line with records after it is an error.
   */
  static *records(dir: string): Generator<JournalRecord> {
    const path = join(dir, FILE);
    if (!existsSync(path)) return;
    let torn: { line: number; cause: unknown } | undefined;
    let n = 0;
    for (const line of readLines(path)) {
      n++;
      if (line.length === 0) continue;
      if (torn) throw new JournalError(`${path}: line ${torn.line} is not valid JSON`, { cause: torn.cause });
      let record: JournalRecord;
      try {
        record = JSON.parse(line.toString('utf8')) as JournalRecord;
      } catch (cause) {
        torn = { line: n, cause };
        continue;
      }
      yield record;
    }
  }

  /** Whether the file has grown enough past the live state to be compacted now. */
  needsCompaction(): boolean {
    return this.fd !== undefined && this.size > this.threshold;
  }

  /**
   * Replaces the journal with `records` (the live state), then appends to it. The old
   * file stays the journal until the new one is whole on disk: a failure (a full disk)
   * leaves it in place and still appended to, and is thrown.
   */
  compact(records: Iterable<JournalRecord>): void {
    const path = join(this.dir, FILE);
    const tmp = `${path}.tmp`;
    const fd = openSync(tmp, 'w');
    let written = 0;
    try {
      let chunk: string[] = [];
      let pending = 0;
      const flush = () => {
        const bytes = Buffer.from(chunk.join(''));
        for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
        written += bytes.length;
        chunk = [];
        pending = 0;
      };
      for (const r of records) {
        const line = `${JSON.stringify(r)}\n`;
        chunk.push(line);
        pending += line.length;
        if (pending >= CHUNK_BYTES) {
          flush();
          this.options.onCompactStep?.('writing');
        }
      }
      flush();
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      this.threshold = this.size + this.minBytes; // try again after another floor's worth of appends
      throw err;
    }
    closeSync(fd);
    this.options.onCompactStep?.('written');
    renameSync(tmp, path);
    syncDir(this.dir);
    this.options.onCompactStep?.('renamed');
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = openSync(path, 'a');
    this.size = fstatSync(this.fd).size;
    this.threshold = Math.max(this.minBytes, this.factor * written);
  }

  /**
   * Appends one line, whole: a short write (a full disk) is continued, and a write that
   * fails part way is cut back off before the error goes to the caller, so no change is
   * acknowledged half-written and no torn line is left for later lines to follow.
   */
  append(record: JournalRecord): void {
    if (this.fd === undefined) throw new JournalError('the journal is closed');
    const line = Buffer.from(`${JSON.stringify(record)}\n`);
    let written = 0;
    try {
      while (written < line.length) written += writeSync(this.fd, line, written, line.length - written);
    } catch (err) {
      if (written > 0) ftruncateSync(this.fd, this.size);
      throw err;
    }
    this.size += line.length;
  }

  created(name: string, attributes: Record<string, string>, createdAt: number): void {
    this.append({ t: 'queue', name, attributes, createdAt });
  }

  attributesSet(q: string, attributes: Record<string, string>): void {
    this.append({ t: 'attributes', q, attributes });
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

  moved(q: string, to: string, id: string): void {
    this.append({ t: 'move', q, to, id });
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

/** The lines of a file (without their `\n`), read CHUNK_BYTES at a time; a last line without `\n` is yielded too. */
function* readLines(path: string): Generator<Buffer> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(CHUNK_BYTES);
    let carry: Buffer[] = [];
    for (;;) {
      const got = readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      const view = buf.subarray(0, got);
      let from = 0;
      for (let nl = view.indexOf(10, from); nl >= 0; nl = view.indexOf(10, from)) {
        const tail = view.subarray(from, nl);
        yield carry.length === 0 ? Buffer.from(tail) : Buffer.concat([...carry, tail]);
        carry = [];
        from = nl + 1;
      }
      if (from < got) carry.push(Buffer.from(view.subarray(from)));
    }
    if (carry.length > 0) yield Buffer.concat(carry);
  } finally {
    closeSync(fd);
  }
}

/** Makes a rename in `dir` durable (best effort: not every platform can fsync a directory). */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // e.g. Windows: a directory cannot be opened for fsync
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
