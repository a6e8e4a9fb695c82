import { afterAll, describe, expect, it } from 'vitest';
import { asReceiver, GoimClient, OP } from '../helpers/goim-client.js';
import { useTestStack } from '../helpers/local-stack.js';
import { nextPush, PushApiClient } from '../helpers/push-api-client.js';

/** The push API reaching gateway (goim TCP and goim-WebSocket) connections next to WebSocket-API ones. */
describe('push API and gateway connections', () => {
  const t = useTestStack();
  const api = () => new PushApiClient(t.stack.pushUrl);
  const goims: GoimClient[] = [];
  const goim = async (kind: 'tcp' | 'ws', uid: string, extra: Record<string, unknown> = {}) => {
    const c = await GoimClient.connect(kind, { tcp: t.stack.gateway.ports.tcp, wsUrl: t.stack.gateway.wsUrl }, uid, extra);
    goims.push(c);
    return c;
  };
  afterAll(() => Promise.all(goims.map((c) => c.close())));

  it('a push by mid reaches every connection of the user on both kinds, filtered by goim accepts', async () => {
    const web = await t.connect('pg-a');
    const tcp = await goim('tcp', 'pg-a', { accepts: [1201] });
    const ws = await goim('ws', 'pg-a', { accepts: [1201, 1202] });
    const deaf = await goim('tcp', 'pg-a', { accepts: [1999] });

    const res = await api().goim('POST', '/push/mids', { operation: 1201, mids: ['pg-a'] }, 'to all devices');
    expect(res.body).toMatchObject({ code: 0, data: { connections: 4 } });
    for (const r of [web, asReceiver(tcp), asReceiver(ws)]) expect(await nextPush(r, 1201)).toMatchObject({ body: 'to all devices' });
    await t.stack.drain();
    expect(deaf.packets.filter((p) => p.op === 1201)).toEqual([]);
  });

  it('a room push reaches WebSocket-API and gateway members, whatever their accepts', async () => {
    const web = await t.connect('pg-r1');
    await web.call('join', { room: 'live:7' });
    const tcp = await goim('tcp', 'pg-r2'); // no accepts at all
    await tcp.request(OP.ChangeRoom, OP.ChangeRoomReply, 'live://7');
    const ws = await goim('ws', 'pg-r3');
    await ws.call(OP.Join, OP.JoinReply, { room: 'live:7' });

    const res = await api().goim('POST', '/push/room', { operation: 1300, type: 'live', room: '7' }, 'kick-off');
    expect(res.body).toMatchObject({ code: 0, data: { connections: 3 } });
    expect((await nextPush(web, 1300)).body).toBe('kick-off');
    for (const c of [tcp, ws]) expect((await c.next((p) => p.op === 1300)).body.toString()).toBe('kick-off');
  });

  it('push-all reaches gateway connections too', async () => {
    const web = await t.connect('pg-all-1');
    const tcp = await goim('tcp', 'pg-all-2', { accepts: [1400] });
    const res = await api().post('/v1/push', { op: 1400, body: 'everyone', to: { all: true } });
    expect(res.status).toBe(202);
    for (const r of [web, asReceiver(tcp)]) expect(await nextPush(r, 1400)).toMatchObject({ body: 'everyone' });
  });

  it('presence shows gateway connections as they connect and disconnect', async () => {
    const presence = async () => (await api().get('/v1/users/pg-p/presence')).body;
    const web = await t.connect('pg-p', { device: 'laptop', platform: 'web' });
    const tcp = await goim('tcp', 'pg-p', { key: 'desk', platform: 'linux' });
    const kinds = async () => (await presence()).connections.map((c: any) => `${c.kind}:${c.platform}`).sort();
    expect(await kinds()).toEqual(['apigw:web', 'gateway:linux']);
    await tcp.close();
    await expect.poll(kinds).toEqual(['apigw:web']);
    await web.close();
    await expect.poll(async () => (await presence()).online).toBe(false);
  });
});
