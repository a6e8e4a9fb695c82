import { describe, expect, it } from 'vitest';
import { useTestStack } from '../helpers/local-stack.js';
import { nextPush, PushApiClient, type Receiver } from '../helpers/push-api-client.js';

describe('goim-compatible routes', () => {
  const t = useTestStack();
  const api = () => new PushApiClient(t.stack.pushUrl);

  it('push by mids reaches every connection of each user, with the raw body as a string', async () => {
    const [a1, a2, b1] = await Promise.all([t.connect('gm-a', { device: 'a1' }), t.connect('gm-a', { device: 'a2' }), t.connect('gm-b')]);
    const receivers: Receiver[] = [a1, a2, b1];

    const res = await api().goim('POST', '/push/mids', { operation: 1001, mids: ['gm-a', 'gm-b', 'gm-nobody'] }, 'hello "goim"');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ code: 0, message: '', data: { connections: 3 } });
    for (const r of receivers) expect(await nextPush(r, 1001)).toEqual({ type: 'push', op: 1001, body: 'hello "goim"' });
  });

  it('push by keys reaches exactly those connections; a body that is not UTF-8 arrives as base64', async () => {
    const [k1, k2] = await Promise.all([t.connect('gk', { device: 'k1' }), t.connect('gk', { device: 'k2' })]);
    const presence = await api().get('/v1/users/gk/presence');
    const key = presence.body.connections.find((c: any) => c.device === 'k1').key as string;

    const bytes = new Uint8Array([0xff, 0x00, 0xfe, 0x41]);
    const res = await api().goim('POST', '/push/keys', { operation: 1002, keys: [key, 'no-such-key'] }, bytes);
    expect(res.body).toMatchObject({ code: 0, data: { connections: 1 } });
    expect(await nextPush(k1, 1002)).toEqual({ type: 'push', op: 1002, body: Buffer.from(bytes).toString('base64'), encoding: 'base64' });

    await api().goim('POST', '/push/keys', { operation: 1003, keys: [key] }, 'marker');
    await nextPush(k1, 1003);
    await t.stack.drain();
    expect(k2.pending('push')).toEqual([]);
  });

  it('push to a room reaches its members only, and online/room and online/top count it', async () => {
    const [r1, r2, out] = await Promise.all([t.connect('gr-1'), t.connect('gr-2'), t.connect('gr-3')]);
    await r1.call('join', { room: 'live:1000' });
    await r2.call('join', { room: 'live:1000' });
    await r2.call('join', { room: 'live:2000' });
    await out.call('join', { room: 'chat:1000' });

    const res = await api().goim('POST', '/push/room', { operation: 1004, type: 'live', room: '1000' }, 'goal!');
    expect(res.body).toMatchObject({ code: 0, data: { connections: 2 } });
    for (const r of [r1, r2]) expect((await nextPush(r, 1004)).body).toBe('goal!');
    await t.stack.drain();
    expect(out.pending('push')).toEqual([]);

    const rooms = await api().goim('GET', '/online/room', { type: 'live', rooms: ['1000', '2000', '3000'] });
    expect(rooms.body).toEqual({ code: 0, message: '', data: { '1000': 2, '2000': 1, '3000': 0 } });
    const top = await api().goim('GET', '/online/top', { type: 'live', limit: 10 });
    expect(top.body).toEqual({ code: 0, message: '', data: [{ room_id: '1000', count: 2 }, { room_id: '2000', count: 1 }] });
    const top1 = await api().goim('GET', '/online/top', { type: 'live', limit: 1 });
    expect(top1.body.data).toEqual([{ room_id: '1000', count: 2 }]);
  });

  it('online/total counts live connections and distinct users', async () => {
    const before = (await api().goim('GET', '/online/total')).body;
    expect(before).toMatchObject({ code: 0, message: '', data: { ip_count: expect.any(Number), conn_count: expect.any(Number) } });
    const c = await t.connect('gt-new', { device: 'x' });
    await t.connect('gt-new', { device: 'y' });
    const after = (await api().goim('GET', '/online/total')).body.data;
    expect(after).toEqual({ ip_count: before.data.ip_count + 1, conn_count: before.data.conn_count + 2 });
    await c.close();
    await expect.poll(async () => (await api().goim('GET', '/online/total')).body.data.conn_count).toBe(before.data.conn_count + 1);
  });

  it('nodes/weighted and nodes/instances answer the gateway address from configuration', async () => {
    const weighted = await api().goim('GET', '/nodes/weighted', { platform: 'android' });
    expect(weighted.status).toBe(200);
    expect(weighted.body).toEqual({
      code: 0,
      message: '',
      data: {
        domain: 'localhost',
        tcp_port: 3101,
        ws_port: 3102,
        wss_port: 3103,
        heartbeat: 240,
        heartbeat_max: 2,
        nodes: ['localhost'],
        backoff: { max_delay: 300, base_delay: 3, factor: 1.8, jitter: 1.3 },
      },
    });
    const instances = await api().goim('GET', '/nodes/instances');
    expect(instances.body.code).toBe(0);
    expect(instances.body.data[0]).toMatchObject({ hostname: 'localhost', addrs: ['tcp://localhost:3101', 'ws://localhost:3102', 'wss://localhost:3103'] });
  });

  it('bad parameters answer code -400 with HTTP 200, as goim does, and push nothing', async () => {
    const c = await t.connect('gbad');
    for (const [path, query] of [
      ['/push/mids', { mids: 'gbad' }],
      ['/push/mids', { operation: 'abc', mids: 'gbad' }],
      ['/push/mids', { operation: 12, mids: 'gbad' }],
      ['/push/mids', { operation: 1005 }],
      ['/push/room', { operation: 1005, type: 'live' }],
      ['/push/room', { operation: 1005, type: 'li/ve', room: '1' }],
      ['/push/all', { operation: 1005, speed: -1 }],
    ] as const) {
      const res = await api().goim('POST', path, query, 'x');
      expect(res.status, `${path} ${JSON.stringify(query)}`).toBe(200);
      expect(res.body.code, `${path} ${JSON.stringify(query)}`).toBe(-400);
      expect(res.body.message).toEqual(expect.any(String));
    }
    for (const [path, query] of [
      ['/online/top', { type: 'live' }],
      ['/online/room', { type: 'live' }],
    ] as const) {
      expect((await api().goim('GET', path, query)).body.code).toBe(-400);
    }
    await t.stack.drain();
    expect(c.pending('push')).toEqual([]);
  });

  it('a wrong key is HTTP 401 with code -401 and pushes nothing', async () => {
    const c = await t.connect('gauth');
    for (const client of [api().withKey(null), api().withKey('wrong-key')]) {
      const res = await client.goim('POST', '/push/mids', { operation: 1006, mids: 'gauth' }, 'nope');
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: -401 });
    }
    await api().goim('POST', '/push/mids', { operation: 1007, mids: 'gauth' }, 'marker');
    await nextPush(c, 1007);
    await t.stack.drain();
    expect(c.pending('push')).toEqual([]);
  });
});
