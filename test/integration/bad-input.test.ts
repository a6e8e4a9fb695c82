import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { LOCAL_JWT_SECRET } from '../../shared/config.js';
import { signToken } from '../../shared/domain/auth.js';
import { startTestStack } from '../helpers/local-stack.js';
import { TestClient, upgradeStatus } from '../helpers/ws-client.js';

describe('bad input on the WebSocket API', () => {
  let stack: LocalStack;
  let client: TestClient;

  beforeAll(async () => {
    stack = await startTestStack({ env: { EDGEIM_MAX_BODY_BYTES: '1024', EDGEIM_MAX_FRAME_BYTES: '4096' } });
    client = await TestClient.connect(stack.wsUrl, 'tester');
  });
  afterAll(async () => {
    await client.close();
    await stack.close();
  });

  it.each([
    ['no token', async () => ''],
    ['a token signed with another secret', async () => `token=${await signToken('mallory', 'not-the-secret')}`],
    ['an expired token', async () => `token=${await signToken('mallory', LOCAL_JWT_SECRET, -60)}`],
    ['a token without exp', async () => `token=${await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('mallory').sign(new TextEncoder().encode(LOCAL_JWT_SECRET))}`],
    ['a token whose sub is not a valid uid', async () => `token=${await signToken('bad uid!', LOCAL_JWT_SECRET)}`],
    ['garbage', async () => 'token=not.a.jwt'],
  ])('refuses the upgrade with 401 for %s and stores nothing', async (_name, query) => {
    const before = stack.emulator.connectionCount;
    expect(await upgradeStatus(`${stack.wsUrl}/?${await query()}`)).toBe(401);
    expect(stack.emulator.connectionCount).toBe(before);
    expect(await stack.app.sessions.byUser('mallory', Date.now())).toEqual([]);
  });

  it.each([
    ['malformed JSON', '{"action": "send",', 'BAD_REQUEST'],
    ['a JSON array', '[1,2]', 'BAD_REQUEST'],
    ['a missing action', '{"to": {"user": "bob"}}', 'BAD_REQUEST'],
    ['an unknown action without id', '{"action": "explode"}', 'BAD_REQUEST'],
  ])('answers %s with an error frame and keeps the connection', async (_name, text, code) => {
    const frame = await client.raw(text);
    expect(frame).toMatchObject({ type: 'error', error: { code } });
    expect(frame.error.message).toEqual(expect.any(String));
    expect((await client.request('heartbeat')).ok).toBe(true);
  });

  it.each([
    ['unknown action', { action: 'explode' }, 'BAD_REQUEST', /unknown action/],
    ['send without to', { action: 'send', cmid: 'c', body: 1 }, 'BAD_REQUEST', /to/],
    ['send without body', { action: 'send', cmid: 'c', to: { user: 'bob' } }, 'BAD_REQUEST', /body/],
    ['send to a user without cmid', { action: 'send', to: { user: 'bob' }, body: 1 }, 'BAD_REQUEST', /cmid/],
    ['an invalid uid', { action: 'send', cmid: 'c', to: { user: 'no spaces' }, body: 1 }, 'BAD_REQUEST', /uid/],
    ['two targets', { action: 'send', cmid: 'c', to: { user: 'bob', group: 'g' }, body: 1 }, 'BAD_REQUEST', /to/],
    ['sync with limit 0', { action: 'sync', timeline: 'inbox', limit: 0 }, 'BAD_REQUEST', /limit/],
    ['sync of a bad timeline', { action: 'sync', timeline: 'outbox' }, 'BAD_REQUEST', /timeline/],
    ['ack of an unknown kind', { action: 'ack', timeline: 'inbox', seq: 1, kind: 'seen' }, 'BAD_REQUEST', /kind/],
    ['a body over EDGEIM_MAX_BODY_BYTES', { action: 'send', cmid: 'c', to: { user: 'bob' }, body: 'x'.repeat(2000) }, 'TOO_LARGE', /limit is 1024/],
    ['a frame over EDGEIM_MAX_FRAME_BYTES', { action: 'send', cmid: 'c', to: { user: 'bob' }, body: 'x'.repeat(5000) }, 'TOO_LARGE', /4096/],
  ])('answers %s with a reply error echoing the id', async (_name, request, code, message) => {
    const frame = await client.raw(JSON.stringify({ id: 'req-1', ...request }));
    if (code === 'TOO_LARGE' && frame.type === 'error') {
      expect(frame.error.code).toBe(code); // the frame was refused before its id could be read
    } else {
      expect(frame).toMatchObject({ type: 'reply', id: 'req-1', ok: false, error: { code } });
    }
    expect(frame.error.message).toMatch(message);
    expect((await client.request('heartbeat')).ok).toBe(true);
  });

  it('stores nothing for a refused send', async () => {
    await client.raw(JSON.stringify({ action: 'send', id: 'big', cmid: 'too-big', to: { user: 'quinn' }, body: 'x'.repeat(2000) }));
    await stack.drain();
    expect((await stack.app.timelines.read('user:quinn', 0, 10, Date.now())).entries).toEqual([]);
  });
});
