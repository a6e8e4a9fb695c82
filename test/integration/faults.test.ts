import { describe, expect, it } from 'vitest';
import { useTestStack } from '../helpers/local-stack.js';

describe('faults in the fan-out job', () => {
  const t = useTestStack({ env: { EDGEIM_DELIVERY_MAX_ATTEMPTS: '2' } });
  const connect = (uid: string) => t.connect(uid);
  const connectionIdsOf = async (uid: string) => (await t.stack.app.sessions.byUser(uid, Date.now())).map((r) => r.connectionId);

  it('retries a failed delivery; it arrives once and nothing behind it overtakes it', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    const [bobId] = await connectionIdsOf('bob');
    // Every attempt of the first job run fails (2 SDK attempts); the retry goes through.
    t.stack.emulator.injectPostFault({ match: (data, id) => id === bobId && data.includes('FAIL-ME'), times: 2, status: 500 });

    const ids: string[] = [];
    for (const text of ['FAIL-ME', 'second', 'third']) ids.push((await alice.call('send', { to: { user: 'bob' }, cmid: text, body: { text } })).msgId);

    const received = await bob.messages(3, () => true, 15_000);
    expect(received.map((f) => f.message.id)).toEqual(ids);
    expect(received.map((f) => f.seq)).toEqual([1, 2, 3]);
    await t.stack.drain();
    expect(bob.pending('message')).toEqual([]); // nothing arrived twice

    const page = await bob.call('sync', { timeline: 'inbox' });
    expect(page.messages.map((m: any) => m.message.id)).toEqual(ids); // stored once each
  });

  it('removes a stale connection (gone without $disconnect) on the first 410', async () => {
    const alice = await connect('alice');
    const carl1 = await connect('carl');
    const [firstId] = await connectionIdsOf('carl');
    await connect('carl');
    const staleId = (await connectionIdsOf('carl')).find((id) => id !== firstId)!;
    t.stack.emulator.dropWithoutDisconnect(staleId);
    expect(await connectionIdsOf('carl')).toContain(staleId);

    const { msgId } = await alice.call('send', { to: { user: 'carl' }, cmid: 'stale-1', body: 'ping' });
    await carl1.messages(1, (f) => f.message.id === msgId);
    await expect.poll(() => connectionIdsOf('carl')).toEqual([firstId]);
  });
});
