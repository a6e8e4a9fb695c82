import { beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_JWT_SECRET } from '../../shared/config.js';
import { createGroup } from '../../shared/domain/groups.js';
import { userCaller } from '../../shared/domain/deps.js';
import { signToken } from '../../shared/domain/auth.js';
import { useTestStack } from '../helpers/local-stack.js';
import { PushApiClient, type ApiAnswer } from '../helpers/push-api-client.js';
import type { TestClient } from '../helpers/ws-client.js';

/**
 * Every push API route × {backend key, no key, wrong key, a user's token (of a user
 * named `system`) as the key}. Only an API key makes a backend caller; a backend may
 * manage groups it does not own, read any user's data and send to any group; the rest
 * are 401 and change nothing.
 */
type Principal = 'backend' | 'noKey' | 'wrongKey' | 'userToken';
const PRINCIPALS: Principal[] = ['backend', 'noKey', 'wrongKey', 'userToken'];

interface Route {
  name: string;
  call: (api: PushApiClient, n: number) => Promise<ApiAnswer>;
  /** Status for the backend key (goim routes: 200 with code 0). */
  ok: number;
}

const ROUTES: Route[] = [
  { name: 'POST /v1/push', call: (a) => a.post('/v1/push', { op: 1000, body: 'x', to: { users: ['pa-user'] } }), ok: 202 },
  { name: 'POST /v1/messages to a user', call: (a, n) => a.post('/v1/messages', { to: { user: 'pa-user' }, body: 'x' }, { 'Idempotency-Key': `pa-${n}` }), ok: 202 },
  { name: 'POST /v1/messages to a group it is not in', call: (a, n) => a.post('/v1/messages', { to: { group: 'pa-owned' }, body: 'x' }, { 'Idempotency-Key': `pg-${n}` }), ok: 202 },
  { name: 'POST /v1/groups', call: (a, n) => a.post('/v1/groups', { group: `pa-new-${n}`, owner: 'pa-user' }), ok: 201 },
  { name: 'GET /v1/groups/{gid} of a user-owned group', call: (a) => a.get('/v1/groups/pa-owned'), ok: 200 },
  { name: 'POST /v1/groups/{gid}/members of a user-owned group', call: (a) => a.post('/v1/groups/pa-owned/members', { members: ['pa-extra'] }), ok: 200 },
  { name: 'DELETE /v1/groups/{gid}/members/{uid} of a user-owned group', call: (a) => a.delete('/v1/groups/pa-owned/members/pa-extra'), ok: 200 },
  { name: 'DELETE /v1/groups/{gid} of a user-owned group', call: (a, n) => a.delete(`/v1/groups/pa-doomed-${n}`), ok: 200 },
  { name: 'GET /v1/users/{uid}/groups', call: (a) => a.get('/v1/users/pa-owner/groups'), ok: 200 },
  { name: 'GET /v1/users/{uid}/presence', call: (a) => a.get('/v1/users/pa-user/presence'), ok: 200 },
  { name: 'GET /v1/users/{uid}/timeline', call: (a) => a.get('/v1/users/pa-user/timeline'), ok: 200 },
  { name: 'GET /v1/rooms/{rid}/online', call: (a) => a.get('/v1/rooms/pa-room/online'), ok: 200 },
  { name: 'GET /v1/online/total', call: (a) => a.get('/v1/online/total'), ok: 200 },
  { name: 'POST /goim/push/keys', call: (a) => a.goim('POST', '/push/keys', { operation: 1000, keys: 'pa-no-such-key' }, 'x'), ok: 200 },
  { name: 'POST /goim/push/mids', call: (a) => a.goim('POST', '/push/mids', { operation: 1000, mids: 'pa-user' }, 'x'), ok: 200 },
  { name: 'POST /goim/push/room', call: (a) => a.goim('POST', '/push/room', { operation: 1000, type: 'live', room: 'pa' }, 'x'), ok: 200 },
  { name: 'POST /goim/push/all', call: (a) => a.goim('POST', '/push/all', { operation: 1000 }, 'x'), ok: 200 },
  { name: 'GET /goim/online/top', call: (a) => a.goim('GET', '/online/top', { type: 'live', limit: 5 }), ok: 200 },
  { name: 'GET /goim/online/room', call: (a) => a.goim('GET', '/online/room', { type: 'live', rooms: 'pa' }), ok: 200 },
  { name: 'GET /goim/online/total', call: (a) => a.goim('GET', '/online/total'), ok: 200 },
  { name: 'GET /goim/nodes/weighted', call: (a) => a.goim('GET', '/nodes/weighted', { platform: 'web' }), ok: 200 },
  { name: 'GET /goim/nodes/instances', call: (a) => a.goim('GET', '/nodes/instances'), ok: 200 },
];

describe('authorization matrix: push API', () => {
  const t = useTestStack({ env: { EDGEIM_API_AUTH_FAILURE_LIMIT: '0' } });
  const keys = {} as Record<Principal, string | null>;
  let user: TestClient;
  let n = 0;

  beforeAll(async () => {
    Object.assign(keys, { backend: 'edgeim-local-key', noKey: null, wrongKey: 'edgeim-local-kez', userToken: await signToken('system', LOCAL_JWT_SECRET) });
    await createGroup(t.stack.app, userCaller('pa-owner'), { group: 'pa-owned', members: ['pa-member'] });
    user = await t.connect('pa-user');
  });

  describe.each(ROUTES)('$name', (route) => {
    it.each(PRINCIPALS)('with %s', async (who) => {
      const i = ++n;
      if (route.name.startsWith('DELETE /v1/groups/{gid} ')) await createGroup(t.stack.app, userCaller('pa-owner'), { group: `pa-doomed-${i}`, members: [] });
      const res = await route.call(new PushApiClient(t.stack.pushUrl, keys[who]), i);
      if (who === 'backend') {
        expect(res.status, JSON.stringify(res.body)).toBe(route.ok);
        if (route.name.includes('/goim/')) expect(res.body.code).toBe(0);
      } else {
        expect(res.status).toBe(401);
        expect(route.name.includes('/goim/') ? res.body.code : res.body.error.code).toBe(route.name.includes('/goim/') ? -401 : 'UNAUTHORIZED');
        if (route.name.startsWith('DELETE /v1/groups/{gid} ')) expect(await t.stack.app.groups.get(`pa-doomed-${i}`)).toBeDefined();
      }
    });
  });

  it('refused principals changed nothing: no push, no message reached the user', async () => {
    await t.stack.drain();
    const pushes = user.pending('push');
    const messages = user.pending('message');
    // Exactly the backend's: 3 pushes (/v1/push, goim mids, goim all) and one message.
    expect(pushes).toHaveLength(3);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.message).toMatchObject({ backend: true, from: 'system' });
    expect(await t.stack.app.groups.members('pa-owned')).toEqual(expect.arrayContaining(['pa-owner', 'pa-member']));
  });

  it('serves /openapi.json and /docs without a key (they describe, they do nothing)', async () => {
    const anon = new PushApiClient(t.stack.pushUrl, null);
    expect((await anon.get('/openapi.json')).status).toBe(200);
    expect((await anon.get('/docs')).status).toBe(200);
  });
});
