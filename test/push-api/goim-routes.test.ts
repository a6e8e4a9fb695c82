import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { GoimClient } from '../helpers/goim-client.js';
import { startTestStack, useTestStack } from '../helpers/local-stack.js';
import { selfSignedCertificate, type SelfSigned } from '../helpers/self-signed.js';
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

  it('online/top matches the room type by prefix, as goim does (strings.HasPrefix on type://room)', async () => {
    const [p1, p2] = await Promise.all([t.connect('gp-1'), t.connect('gp-2')]);
    await p1.call('join', { room: 'gpfx:7' });
    await p2.call('join', { room: 'gpfx:7' });
    await p2.call('join', { room: 'gpfxy:70' });
    await p1.call('join', { room: 'gpfx:700' });
    await p1.call('join', { room: 'gpf' }); // not a type:room id: no goim room
    const top = async (type: string) => (await api().goim('GET', '/online/top', { type, limit: 10 })).body;
    expect(await top('gpfx')).toEqual({
      code: 0,
      message: '',
      data: [
        { room_id: '7', count: 2 },
        { room_id: '70', count: 1 },
        { room_id: '700', count: 1 },
      ],
    });
    expect((await top('gpfx://7')).data).toEqual([
      { room_id: '7', count: 2 },
      { room_id: '700', count: 1 },
    ]);
    expect((await top('gpfxy')).data).toEqual([{ room_id: '70', count: 1 }]);
    expect((await top('gpnothing')).data).toEqual([]);
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

  it('nodes/weighted and nodes/instances advertise the ports this gateway serves (no wss without TLS), with the metadata goim reads', async () => {
    const gw = t.stack.gateway.ports;
    const weighted = await api().goim('GET', '/nodes/weighted', { platform: 'android' });
    expect(weighted.status).toBe(200);
    expect(weighted.body).toEqual({
      code: 0,
      message: '',
      data: {
        domain: '127.0.0.1',
        tcp_port: gw.tcp,
        ws_port: gw.ws,
        wss_port: 0,
        heartbeat: 240,
        heartbeat_max: 2,
        nodes: ['127.0.0.1'],
        backoff: { max_delay: 300, base_delay: 3, factor: 1.8, jitter: 1.3 },
      },
    });
    await t.connect('gn-1');
    const total = (await api().goim('GET', '/online/total')).body.data;
    const instances = await api().goim('GET', '/nodes/instances');
    expect(instances.body.code).toBe(0);
    expect(instances.body.data).toHaveLength(1);
    const [instance] = instances.body.data;
    expect(instance).toMatchObject({ appid: 'goim.comet', hostname: '127.0.0.1', addrs: [`tcp://127.0.0.1:${gw.tcp}`, `ws://127.0.0.1:${gw.ws}`] });
    // goim's logic parses these (strconv.ParseBool / ParseInt; addrs split on ","): every key must be there as a string.
    expect(instance.metadata).toEqual({ weight: '10', offline: 'false', addrs: '127.0.0.1', conn_count: String(total.conn_count), ip_count: String(total.ip_count) });
    expect(Number(instance.metadata.conn_count)).toBeGreaterThanOrEqual(1);
    // The advertised ports are served: a goim client connects to each.
    for (const addr of instance.addrs as string[]) {
      const url = new URL(addr);
      const kind = url.protocol === 'tcp:' ? 'tcp' : 'ws';
      const client = await GoimClient.connect(kind, { tcp: Number(url.port), wsUrl: `ws://${url.host}/sub` }, `gn-${kind}`);
      expect(client.auth.uid, addr).toBe(`gn-${kind}`);
      await client.close();
    }
  });

  it('an unknown goim route is HTTP 404 (as goim\'s router answers), a wrong method 405 with Allow', async () => {
    for (const path of ['/push/nothing', '/online', '/nodes/weighted/x']) {
      const res = await api().goim('GET', path);
      expect(res.status, path).toBe(404);
      expect(res.body).toEqual({ code: -404, message: `no route GET /goim${path}: see /docs` });
    }
    const wrong = await api().goim('GET', '/push/mids', { operation: 1000, mids: 'a' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(wrong.body).toEqual({ code: -405, message: 'GET is not allowed on /goim/push/mids; use POST' });
    const post = await api().goim('POST', '/online/total');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('bad parameters answer code -400 with HTTP 200, as goim does, name the parameter, and push nothing', async () => {
    const c = await t.connect('gbad');
    for (const [path, query, message] of [
      ['/push/mids', { mids: 'gbad' }, 'operation is required'],
      ['/push/mids', { operation: 'abc', mids: 'gbad' }, 'operation: expected an integer from 1000 to 2147483647 (a business op; lower ops are the protocol\'s own), got "abc"'],
      ['/push/mids', { operation: 12, mids: 'gbad' }, 'operation: expected an integer from 1000 to 2147483647 (a business op; lower ops are the protocol\'s own), got "12"'],
      ['/push/mids', { operation: 1005 }, 'mids is required (repeat it for several: mids=a&mids=b)'],
      ['/push/mids', { operation: 1005, mids: 'bad uid' }, 'mids: uid must be 1-64 chars of [A-Za-z0-9_.@-], got "bad uid"'],
      ['/push/room', { operation: 1005, type: 'live' }, 'room is required'],
      ['/push/room', { operation: 1005, type: 'li/ve', room: '1' }, 'type: must be 1-63 chars of [A-Za-z0-9_.@-], got "li/ve"'],
      ['/push/all', { operation: 1005, speed: -1 }, 'speed: expected a number at least 0, got "-1"'],
    ] as const) {
      const res = await api().goim('POST', path, query, 'x');
      expect(res.status, `${path} ${JSON.stringify(query)}`).toBe(200);
      expect(res.body, `${path} ${JSON.stringify(query)}`).toEqual({ code: -400, message });
    }
    for (const [path, query, message] of [
      ['/online/top', { type: 'live' }, 'limit is required'],
      ['/online/top', { type: 'live', limit: 0 }, 'limit: expected a number at least 1, got "0"'],
      ['/online/room', { type: 'live' }, 'rooms is required (repeat it for several: rooms=a&rooms=b)'],
    ] as const) {
      expect((await api().goim('GET', path, query)).body).toEqual({ code: -400, message });
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

describe('goim nodes with TLS files and configured public names', () => {
  let cert: SelfSigned;
  let stack: LocalStack;
  beforeAll(async () => {
    cert = selfSignedCertificate();
    stack = await startTestStack({ env: { EDGEIM_GATEWAY_TLS_CERT_FILE: cert.certFile, EDGEIM_GATEWAY_TLS_KEY_FILE: cert.keyFile, EDGEIM_NODES_DOMAIN: 'gw.example.com', EDGEIM_NODES_TCP_PORT: '4104' } });
  });
  afterAll(async () => {
    await stack?.close();
    cert?.dispose();
  });

  it('advertise wss on the goim WebSocket port and no plain ws; EDGEIM_NODES_* set in the environment win', async () => {
    const api = new PushApiClient(stack.pushUrl);
    const ws = stack.gateway.ports.ws;
    expect((await api.goim('GET', '/nodes/weighted')).body.data).toMatchObject({ domain: 'gw.example.com', tcp_port: 4104, ws_port: 0, wss_port: ws, nodes: ['gw.example.com'] });
    const [instance] = (await api.goim('GET', '/nodes/instances')).body.data;
    expect(instance.addrs).toEqual(['tcp://gw.example.com:4104', `wss://gw.example.com:${ws}`]);
    expect(instance.metadata.addrs).toBe('gw.example.com');
  });
});
