import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestStack } from '../helpers/local-stack.js';
import { TestClient } from '../helpers/ws-client.js';

describe('local runtime with --data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgeim-data-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loses nothing accepted before a restart', async () => {
    const first = await startTestStack({ dataDir: dir });
    const alice = await TestClient.connect(first.wsUrl, 'alice');
    const ids: string[] = [];
    for (let i = 1; i <= 3; i++) ids.push((await alice.call('send', { to: { user: 'bob' }, cmid: `r-${i}`, body: i })).msgId);
    await alice.close();
    await first.close(); // no explicit drain: closing drains accepted jobs

    const second = await startTestStack({ dataDir: dir });
    try {
      const bob = await TestClient.connect(second.wsUrl, 'bob');
      const page = await bob.call('sync', { timeline: 'inbox', after: 0 });
      expect(page.messages.map((m: any) => [m.seq, m.message.id])).toEqual(ids.map((id, i) => [i + 1, id]));
      const alice2 = await TestClient.connect(second.wsUrl, 'alice');
      const next = await alice2.call('send', { to: { user: 'bob' }, cmid: 'r-4', body: 4 });
      expect(Number(next.msgId)).toBeGreaterThan(Math.max(...ids.map(Number)));
      expect((await bob.messages(1))[0]!.seq).toBe(4);
      await Promise.all([bob.close(), alice2.close()]);
    } finally {
      await second.close();
    }
  });
});
