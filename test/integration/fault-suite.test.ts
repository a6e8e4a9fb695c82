import { describe, expect, it } from 'vitest';
import { LOCAL_JWT_SECRET } from '../../shared/config.js';
import { signToken } from '../../shared/domain/auth.js';
import { useTestStack } from '../helpers/local-stack.js';
import { sendMessage } from '../../shared/domain/messaging.js';
import { checkInbox, oddCmid, wholeInbox, type Sent } from '../helpers/durability.js';
import { PushApiClient } from '../helpers/push-api-client.js';
import { sleep, TestClient, upgradeStatus } from '../helpers/ws-client.js';

describe('fault suite on the local stack: odd ids, duplicate sends, reconnecting recipients', () => {
  const t = useTestStack({ queueDedupWindowMs: 1000, pollers: 4 });

  it('refuses a uid with ":" at auth (HTTP 401)', async () => {
    expect(await upgradeStatus(`${t.stack.wsUrl}/?token=${await signToken('p:q', LOCAL_JWT_SECRET)}`)).toBe(401);
    expect(await upgradeStatus(`${t.stack.wsUrl}/?token=${await signToken('p.q', LOCAL_JWT_SECRET)}`)).toBe(101);
  });

  it('500 1:1 and group messages with odd cmids, concurrent duplicates and recipients reconnecting: each inbox holds each once, dense, in order', async () => {
    const users = ['ann.o', 'bo_b', 'c-y@d', 'dee'];
    const steady = new Map<string, TestClient>();
    for (const u of users) steady.set(u, await t.connect(u, { device: 'steady' }));
    await steady.get('ann.o')!.call('createGroup', { group: 'g.odd', members: users });
    const flaky = new Map<string, TestClient>();
    for (const u of users) flaky.set(u, await TestClient.connect(t.stack.wsUrl, u, { device: 'flaky' }));

    // recipients' second devices drop and come back while the stream runs
    let streaming = true;
    const reconnecting = (async () => {
      for (let n = 0; streaming && !t.stack.emulator.closing; n++) {
        const u = users[n % users.length]!;
        await flaky.get(u)!.close();
        await sleep(40);
        flaky.set(u, await TestClient.connect(t.stack.wsUrl, u, { device: 'flaky' }));
        await sleep(60);
      }
    })();

    const sent: Sent[] = [];
    const perSender = 125;
    try {
      await Promise.all(
        users.map(async (from, u) => {
          const client = steady.get(from)!;
          for (let i = 0; i < perSender; i++) {
            const toGroup = i % 3 === 0;
            const peer = users[(u + 1 + (i % (users.length - 1))) % users.length]!;
            const to = toGroup ? { group: 'g.odd' } : { user: peer };
            const request = { to, cmid: oddCmid(from, i), body: { text: `${from} #${i}`, n: i } };
            // every 10th send goes out three times at once, as a client retrying on a timeout would
            const copies = i % 10 === 0 ? 3 : 1;
            const replies = await Promise.all(Array.from({ length: copies }, () => client.call('send', request)));
            expect(new Set(replies.map((r) => r.msgId)).size).toBe(1);
            const conv = toGroup ? 'g:g.odd' : `u:${[from, peer].sort().join(':')}`;
            sent.push({ msgId: replies[0].msgId, from, conv, owners: toGroup ? users : [from, peer] });
          }
        }),
      );
    } finally {
      streaming = false;
      await reconnecting;
    }
    expect(sent.length).toBe(users.length * perSender);
    expect(await t.stack.drain(60_000)).toBe(true);

    for (const u of users) {
      checkInbox(u, await wholeInbox(steady.get(u)!), sent);
      // the device that stayed connected saw each of its messages live, once (but its own sends: it had their replies)
      const live = steady
        .get(u)!
        .pending('message')
        .map((f) => f.message.id as string);
      expect(new Set(live).size, `${u}: a message frame came twice`).toBe(live.length);
      expect(live.sort()).toEqual(sent.filter((s) => s.owners.includes(u) && s.from !== u).map((s) => s.msgId).sort());
    }
    const stored = (await wholeInbox(steady.get('dee')!)).map((e) => e.message);
    expect(stored.some((m) => m.cmid.includes('\n') && m.cmid.includes('\r\n'))).toBe(true);
    expect(stored.some((m) => [...m.cmid].length === 64 && m.cmid.includes('🦊'))).toBe(true);
    await Promise.all([...flaky.values()].map((c) => c.close()));
  });

  it('a repeat of a delivered message delivers nothing again: within the queue dedup window and after it', async () => {
    const sender = await t.connect('rhea');
    const senderOther = await t.connect('rhea', { device: 'other' });
    const peer = await t.connect('sol');
    const request = { to: { user: 'sol' }, cmid: 'once 🙂\nonly', body: { text: 'hello once' } };
    const { msgId } = await sender.call('send', request);
    for (const client of [peer, senderOther]) await client.messages(1, (f) => f.message.id === msgId);

    expect((await sender.call('send', request)).msgId).toBe(msgId); // within the window: the queue drops it
    await t.stack.drain();
    await sleep(1100); // past the local queue's 1 s dedup window: the queue takes the repeat, the job must not deliver it
    expect((await sender.call('send', request)).msgId).toBe(msgId);
    const marker = await sender.call('send', { to: { user: 'sol' }, cmid: 'marker', body: { text: 'after' } });
    await peer.messages(1, (f) => f.message.id === marker.msgId);
    await t.stack.drain();

    for (const client of [peer, sender, senderOther]) expect(client.pending('message').filter((f) => f.message.id === msgId)).toEqual([]);
    const inbox = await wholeInbox(peer);
    expect(inbox.map((e) => e.message.id)).toEqual([msgId, marker.msgId]);
    expect(inbox.map((e) => e.seq)).toEqual([1, 2]);
  });

  it('a repeat with another body or recipient is CONFLICT and stores nothing', async () => {
    const tess = await t.connect('tess');
    const first = await tess.call('send', { to: { user: 'uma' }, cmid: 'c#1', body: { text: 'first', tags: ['a'] } });
    // same request, keys in another order: a repeat
    expect((await tess.call('send', { cmid: 'c#1', body: { tags: ['a'], text: 'first' }, to: { user: 'uma' } })).msgId).toBe(first.msgId);
    const otherBody = await tess.request('send', { to: { user: 'uma' }, cmid: 'c#1', body: { text: 'changed' } });
    expect(otherBody).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const otherPeer = await tess.request('send', { to: { user: 'vic' }, cmid: 'c#1', body: { text: 'first', tags: ['a'] } });
    expect(otherPeer).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    await t.stack.drain();
    const uma = await t.connect('uma');
    expect((await wholeInbox(uma)).map((e) => e.message.body.text)).toEqual(['first']);
    expect(await wholeInbox(await t.connect('vic'))).toEqual([]);
  });

  it('refuses cmids that are not printable text with BAD_REQUEST, never INTERNAL', async () => {
    const wes = await t.connect('wes');
    for (const cmid of ['', 'x'.repeat(65), '🙂'.repeat(65), 'nul\u0000', 'half \ud83d']) {
      const reply = await wes.request('send', { to: { user: 'xia' }, cmid, body: 1 });
      expect(reply.error?.code, JSON.stringify(cmid)).toBe('BAD_REQUEST');
    }
  });

  it('takes any Idempotency-Key (spaces, `:`, up to 255 characters) through the push API and the domain', async () => {
    const api = new PushApiClient(t.stack.pushUrl);
    const yan = await t.connect('yan');
    const key = 'order 42: shipped (yes)';
    const sent = await api.post('/v1/messages', { to: { user: 'yan' }, body: { text: 'shipped' } }, { 'Idempotency-Key': key });
    expect(sent.status).toBe(202);
    expect((await api.post('/v1/messages', { to: { user: 'yan' }, body: { text: 'shipped' } }, { 'Idempotency-Key': key })).body.msgId).toBe(sent.body.msgId);
    const changed = await api.post('/v1/messages', { to: { user: 'yan' }, body: { text: 'changed' } }, { 'Idempotency-Key': key });
    expect(changed).toMatchObject({ status: 422, body: { error: { code: 'IDEMPOTENCY_MISMATCH' } } });
    const pushed = await api.post('/v1/push', { op: 1000, body: { n: 1 }, to: { users: ['yan'] } }, { 'Idempotency-Key': key });
    expect(pushed.status).toBe(202);
    expect((await api.post('/v1/push', { op: 1000, body: { n: 1 }, to: { users: ['yan'] } }, { 'Idempotency-Key': key })).status).toBe(202);

    const long = [...'🙂 key with spaces: '.repeat(14)].slice(0, 250).join('') + 'end!!';
    expect([...long].length).toBe(255);
    const bot = { kind: 'user', uid: 'bot' } as const;
    const direct = await sendMessage(t.stack.app, bot, { to: { user: 'yan' }, cmid: long, body: 'long key' });
    expect((await sendMessage(t.stack.app, bot, { to: { user: 'yan' }, cmid: long, body: 'long key' })).msgId).toBe(direct.msgId);
    await t.stack.drain();
    const inbox = await wholeInbox(yan);
    expect(inbox.map((e) => e.message.id)).toEqual([sent.body.msgId, direct.msgId]);
    expect(inbox[1]!.message.cmid).toBe(long);
    expect(yan.pending('push').map((f) => f.body)).toEqual([{ n: 1 }]); // the repeated push was dropped
  });
});
