import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { GoimClient, OP } from '../helpers/goim-client.js';
import { startTestStack } from '../helpers/local-stack.js';
import { TestClient } from '../helpers/ws-client.js';

describe('gateway users in the same world as WebSocket API users', () => {
  let stack: LocalStack;
  const goims: GoimClient[] = [];
  const webs: TestClient[] = [];
  const goim = async (kind: 'tcp' | 'ws', uid: string, extra: Record<string, unknown> = {}) => {
    const c = await GoimClient.connect(kind, { tcp: stack.gateway.ports.tcp, wsUrl: stack.gateway.wsUrl }, uid, extra);
    goims.push(c);
    return c;
  };
  const web = async (uid: string) => {
    const c = await TestClient.connect(stack.wsUrl, uid);
    webs.push(c);
    return c;
  };

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await Promise.all([...goims.map((c) => c.close()), ...webs.map((c) => c.close())]);
    await stack.close();
  });

  it('a TCP user and a WebSocket API user exchange 1:1 messages both ways', async () => {
    const tom = await goim('tcp', 'tom');
    const wendy = await web('wendy');

    const sent = await tom.call(OP.SendMsg, OP.SendMsgReply, { id: 's1', to: { user: 'wendy' }, cmid: 'c-1', body: { text: 'hi from tcp' } });
    expect(sent.msgId).toEqual(expect.any(String));
    const [got] = await wendy.messages(1);
    expect(got!.message).toMatchObject({ id: sent.msgId, from: 'tom', to: { user: 'wendy' }, body: { text: 'hi from tcp' }, cmid: 'c-1' });

    const back = await wendy.call('send', { to: { user: 'tom' }, cmid: 'c-2', body: { text: 'hi from the web' } });
    const [reply] = await tom.messages26(1);
    // tom's own message is not pushed back to the connection that sent it: wendy's answer names the seq it took.
    expect(reply!.json).toMatchObject({ timeline: 'inbox', seq: 2, message: { id: back.msgId, from: 'wendy', body: { text: 'hi from the web' } }, own: [{ seq: 1, id: sent.msgId }] });
    expect(reply!.json.type).toBeUndefined();
  });

  it('a TCP user syncs messages sent while it was offline, and acks them', async () => {
    const wendy = await web('wendy2');
    const ids: string[] = [];
    for (let i = 1; i <= 3; i++) ids.push((await wendy.call('send', { to: { user: 'otto' }, cmid: `off-${i}`, body: { n: i } })).msgId);
    await stack.drain();

    const otto = await goim('tcp', 'otto');
    const page = await otto.call(OP.Sync, OP.SyncReply, { timeline: 'inbox', after: 0 });
    expect(page.head).toBe(3);
    expect(page.messages.map((m: any) => m.message.id)).toEqual(ids);
    expect(await otto.call(OP.Ack, OP.AckReply, { timeline: 'inbox', seq: 3, kind: 'read' })).toEqual({});
  });

  it('a room with TCP, goim-WebSocket and WebSocket API members gets one broadcast on all of them', async () => {
    const room = 'lobby';
    const t = await goim('tcp', 'rt', { room_id: 'live://lobby-auth' });
    const g = await goim('ws', 'rg');
    const w = await web('rw');
    const sender = await web('rs');
    expect(await t.call(OP.Join, OP.JoinReply, { room })).toMatchObject({ online: 1 });
    const changed = await g.request(OP.ChangeRoom, OP.ChangeRoomReply, room);
    expect(changed.body.toString()).toBe(room);
    await w.call('join', { room });
    await sender.call('join', { room });

    const { msgId } = await sender.call('send', { to: { room }, body: { text: 'to everyone' } });
    const [ft] = await t.messages26(1, (p) => p.json.message.id === msgId);
    const [fg] = await g.messages26(1, (p) => p.json.message.id === msgId);
    const [fw] = await w.messages(1, (f) => f.message.id === msgId);
    for (const f of [ft!.json, fg!.json, fw!]) expect(f).toMatchObject({ timeline: `room:${room}`, message: { id: msgId, body: { text: 'to everyone' } } });

    // The goim room from the auth body (live://lobby-auth) was joined as live:lobby-auth.
    const session = await stack.app.sessions.get(t.auth.key, Date.now());
    expect(session?.rooms).toEqual(['live:lobby-auth', room]);
    // A gateway member sends to the room through SendMsg: the others get it, once.
    const fromTcp = await t.call(OP.SendMsg, OP.SendMsgReply, { to: { room }, body: 'from tcp' });
    await g.messages26(1, (p) => p.json.message.id === fromTcp.msgId);
    await w.messages(1, (f) => f.message.id === fromTcp.msgId);
  });
});
