import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

/**
 * A full disk: write(2) on a regular file may write only part of a buffer and report the
 * short count (the next call then fails with ENOSPC). The journal must never acknowledge
 * a change whose line is not wholly on disk, and must not leave a torn line that later
 * lines would follow (a start would then refuse the whole journal).
 */
let shortWrites = 0;
/** Calls that fail with ENOSPC after the short write. */
let failures = 0;
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeSync = ((fd: number, data: string | Uint8Array, ...rest: unknown[]) => {
    if (failures > 0 && shortWrites === 0) {
      failures--;
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }
    if (shortWrites > 0) {
      shortWrites--;
      const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      const from = typeof rest[0] === 'number' ? rest[0] : 0;
      const to = typeof rest[1] === 'number' ? from + rest[1] : bytes.length;
      return fs.writeSync(fd, bytes.subarray(from, from + Math.floor((to - from) / 2))); // the disk filled up half way
    }
    return (fs.writeSync as (...args: unknown[]) => number)(fd, data, ...rest);
  }) as typeof fs.writeSync;
  return { ...fs, writeSync, default: { ...fs, writeSync } };
});

describe('the local SQS journal on a full disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgeim-journal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a short write is finished or refused, never acknowledged half-written, and the journal still opens', async () => {
    const { Journal } = await import('../../local/sqs/journal.js');
    const journal = Journal.open(dir);
    journal.compact([]);
    journal.created('jobs.fifo', { FifoQueue: 'true' }, 1);
    const m = (id: string) => ({ id, seq: id, group: 'g', dedup: id, body: `body of ${id}`, md5: '', sentAt: 1, receiveCount: 0, invisibleUntil: 0 });
    journal.sent('jobs.fifo', m('1'));
    shortWrites = 1;
    let acknowledged = true;
    try {
      journal.sent('jobs.fifo', m('2'));
    } catch {
      acknowledged = false; // refused: the caller is told the send failed
    }
    journal.sent('jobs.fifo', m('3'));
    journal.close();

    const records = [...Journal.records(dir)]; // must not throw on a torn line in the middle
    const sent = records.filter((r) => r.t === 'send').map((r) => (r as { id: string }).id);
    expect(sent).toEqual(acknowledged ? ['1', '2', '3'] : ['1', '3']);
  });

  it('a write that fails with ENOSPC after a short write is refused and cut back: the lines after it read whole', async () => {
    const { Journal } = await import('../../local/sqs/journal.js');
    const sub = join(dir, 'enospc');
    const journal = Journal.open(sub);
    journal.compact([]);
    journal.created('jobs.fifo', { FifoQueue: 'true' }, 1);
    const m = (id: string) => ({ id, seq: id, group: 'g', dedup: id, body: `body of ${id}`, md5: '', sentAt: 1, receiveCount: 0, invisibleUntil: 0 });
    journal.sent('jobs.fifo', m('1'));
    shortWrites = 1;
    failures = 1;
    expect(() => journal.sent('jobs.fifo', m('2'))).toThrow(/ENOSPC/);
    journal.sent('jobs.fifo', m('3')); // space again
    journal.close();
    const records = [...Journal.records(sub)];
    expect(records.filter((r) => r.t === 'send').map((r) => (r as { id: string }).id)).toEqual(['1', '3']);
  });
});
