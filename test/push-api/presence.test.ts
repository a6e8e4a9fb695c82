import { describe, expect, it } from 'vitest';
import { useTestStack } from '../helpers/local-stack.js';
import { PushApiClient } from '../helpers/push-api-client.js';

describe('presence and online counts', () => {
  const t = useTestStack();
  const api = () => new PushApiClient(t.stack.pushUrl);
  const presence = async (uid: string) => (await api().get(`/v1/users/${uid}/presence`)).body;

  it('reflects connects and disconnects, with kind, device and platform', async () => {
    expect(await presence('pr-ann')).toEqual({ uid: 'pr-ann', online: false, connections: [] });
    const web = await t.connect('pr-ann', { device: 'laptop', platform: 'web' });
    const phone = await t.connect('pr-ann', { device: 'phone', platform: 'ios' });
    await phone.call('join', { room: 'pr-room' });

    const now = await presence('pr-ann');
    expect(now.online).toBe(true);
    expect(now.connections.sort((a: any, b: any) => a.device.localeCompare(b.device))).toEqual([
      { key: expect.any(String), kind: 'apigw', device: 'laptop', platform: 'web', rooms: [], connectedAt: expect.any(Number) },
      { key: expect.any(String), kind: 'apigw', device: 'phone', platform: 'ios', rooms: ['pr-room'], connectedAt: expect.any(Number) },
    ]);
    expect((await api().get('/v1/rooms/pr-room/online')).body).toEqual({ room: 'pr-room', online: 1 });
    const total = (await api().get('/v1/online/total')).body;
    expect(total).toEqual({ connections: 2, users: 1 });

    await phone.close();
    await expect.poll(async () => (await presence('pr-ann')).connections.map((c: any) => c.device)).toEqual(['laptop']);
    expect((await api().get('/v1/rooms/pr-room/online')).body.online).toBe(0);
    await web.close();
    await expect.poll(async () => (await presence('pr-ann')).online).toBe(false);
    expect((await api().get('/v1/online/total')).body).toEqual({ connections: 0, users: 0 });
  });
});
