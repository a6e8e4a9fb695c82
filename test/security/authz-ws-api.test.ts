import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_API_KEY, LOCAL_JWT_SECRET } from '../../shared/config.js';
import { signToken } from '../../shared/domain/auth.js';
import { useTestStack } from '../helpers/local-stack.js';
import { PushApiClient } from '../helpers/push-api-client.js';
import { type TestClient, upgradeStatus } from '../helpers/ws-client.js';
import { fixture, otherOwnsAGroup, outcomeOf, ROWS, UID, USERS, type Who } from './matrix.js';

const sign = (claims: Record<string, unknown>) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(LOCAL_JWT_SECRET));

describe('authorization matrix: WebSocket API', () => {
  const t = useTestStack({ env: { EDGEIM_API_AUTH_FAILURE_LIMIT: '0' } });
  const conns = {} as Record<Who, TestClient>;

  beforeAll(async () => {
    for (const who of USERS) conns[who] = await t.connect(UID[who]);
    await otherOwnsAGroup(t.stack);
  });

  describe.each(ROWS)('$name', (row) => {
    it.each(USERS)('as %s', async (who) => {
      const f = await fixture(t.stack, row.mutates);
      const c = conns[who];
      if (row.joinFirst) await c.call('join', { room: f.room });
      const { action, ...fields } = row.request(f, who);
      const reply = await c.request(action as string, fields);
      expect(outcomeOf(reply), JSON.stringify(reply)).toBe(row.expect[who]);
    });
  });

  it.each([
    ['no token', async () => ''],
    ['a token signed with another secret (wrong key)', async () => `token=${await signToken('owner', 'not-the-secret')}`],
    ['the push API key as the token (backend key)', async () => `token=${LOCAL_API_KEY}`],
    ['a token whose sub is a number', async () => `token=${await sign({ sub: 12345 })}`],
    ['a token whose sub is an array', async () => `token=${await sign({ sub: ['a', 'b'] })}`],
    ['a token whose sub holds ":"', async () => `token=${await sign({ sub: 'a:b' })}`],
  ])('refuses to connect with %s: HTTP 401', async (_name, query) => {
    expect(await upgradeStatus(`${t.stack.wsUrl}/?${await query()}`)).toBe(401);
  });

  it('a backend message named `system` lands in the recipient inbox only, marked backend; the user `system` gets nothing', async () => {
    const api = new PushApiClient(t.stack.pushUrl);
    const sent = await api.post('/v1/messages', { to: { user: 'member' }, body: 'notice' }, { 'Idempotency-Key': 'authz-notice' });
    expect(sent.status).toBe(202);
    const [frame] = await conns.member.messages(1, (f) => f.message.id === sent.body.msgId);
    expect(frame!.message).toMatchObject({ from: 'system', backend: true });
    await t.stack.drain();
    const inbox = await conns.system.call('sync', { timeline: 'inbox' });
    expect(inbox.messages.filter((m: any) => m.message.id === sent.body.msgId)).toEqual([]);
    // A user's own message never says backend.
    const own = await conns.system.call('send', { to: { user: 'member' }, cmid: 'from-system', body: 'me' });
    const [mine] = await conns.member.messages(1, (f) => f.message.id === own.msgId);
    expect(mine!.message.backend).toBeUndefined();
  });
});
