import { describe, expect, it } from 'vitest';
import { GoimClient, OP } from '../helpers/goim-client.js';
import { useTestStack } from '../helpers/local-stack.js';
import { PushApiClient } from '../helpers/push-api-client.js';

/**
 * A bad request is answered, on every edge, with a message that names the field and says
 * what was expected and what came (one formatter: shared/protocol/validation-message.ts).
 */
describe('validation messages name the field and what was expected, on every edge', () => {
  const t = useTestStack();

  /** Requests without `action`, as the gateway's JSON ops carry them, and what each must answer. */
  const cases: [string, Record<string, unknown>, string][] = [
    ['send to "all"', { to: 'all', cmid: 'c1', body: 1 }, 'to: expected one of {"user": uid}, {"group": gid}, {"room": rid}, got "all"'],
    ['send to two targets', { to: { user: 'bob', room: 'r' }, cmid: 'c1', body: 1 }, 'to: expected one of {"user": uid}, {"group": gid}, {"room": rid}, got an object with "user", "room"'],
    ['send without to', { cmid: 'c1', body: 1 }, 'to: required (expected one of {"user": uid}, {"group": gid}, {"room": rid})'],
    ['send to a bad uid', { to: { user: 'bad uid' }, cmid: 'c1', body: 1 }, 'to.user: uid must be 1-64 chars of [A-Za-z0-9_.@-], got "bad uid"'],
    ['send without body', { to: { user: 'bob' }, cmid: 'c1' }, 'body is required'],
    ['send with a numeric cmid', { to: { user: 'bob' }, cmid: 5, body: 1 }, 'cmid: expected a string, got 5'],
  ];

  it('on the WebSocket API', async () => {
    const c = await t.connect('vm-ws');
    for (const [name, fields, message] of cases) {
      const reply = await c.request('send', fields);
      expect({ name, ok: reply.ok, error: reply.error }).toEqual({ name, ok: false, error: { code: 'BAD_REQUEST', message } });
    }
    expect((await c.request('sync', { timeline: 'inbox', limit: 'x' })).error.message).toBe('limit: expected a number, got "x"');
    expect((await c.request('ack', { timeline: 'inbox', seq: 1, kind: 'seen' })).error.message).toBe('kind: expected "delivered" or "read", got "seen"');
    expect((await c.raw(JSON.stringify({ action: 'fly', id: 'f' }))).error.message).toMatch(/^unknown action "fly"; expected one of send, sync/);
  });

  it('on the goim gateway (TCP)', async () => {
    const g = await GoimClient.connect('tcp', { tcp: t.stack.gateway.ports.tcp, wsUrl: t.stack.gateway.wsUrl }, 'vm-goim');
    try {
      for (const [name, fields, message] of cases) {
        const reply = await g.request(OP.SendMsg, OP.SendMsgReply, fields);
        expect({ name, ok: reply.json.ok, error: reply.json.error }).toEqual({ name, ok: false, error: { code: 'BAD_REQUEST', message } });
      }
      expect((await g.request(OP.Sync, OP.SyncReply, { timeline: 'inbox', after: -1 })).json.error.message).toBe('after: expected a number at least 0, got -1');
    } finally {
      await g.close();
    }
  });

  it('on the push API (/v1)', async () => {
    const api = new PushApiClient(t.stack.pushUrl);
    for (const [body, message] of [
      [{ op: 1000, body: 1, to: 'all' }, 'to: expected one of {"users": [uid, ...]}, {"keys": [key, ...]}, {"room": rid}, {"all": true}, got "all"'],
      [{ op: 1000, body: 1, to: { users: ['ok', 'not ok'] } }, 'to.users[1]: uid must be 1-64 chars of [A-Za-z0-9_.@-], got "not ok"'],
      [{ op: 'x', body: 1, to: { all: true } }, 'op: expected a number, got "x"'],
      [{ op: 999, body: 1, to: { all: true } }, 'op: expected a number at least 1000, got 999'],
      [[1, 2], 'expected an object, got an array'],
    ] as const) {
      const res = await api.post('/v1/push', body);
      expect(res.status).toBe(400);
      expect(res.body.error).toEqual({ code: 'BAD_REQUEST', message });
    }
    const msg = await api.post('/v1/messages', { to: { room: 'r' }, body: 1 }, { 'Idempotency-Key': 'vm-1' });
    expect(msg.body.error.message).toBe('to: expected one of {"user": uid}, {"group": gid}, got an object with "room"');
    const query = await api.get('/v1/users/alice/timeline?after=x&limit=5000');
    expect(query.body.error.message).toBe('after: expected a number, got "x"; limit: expected a number at most 200, got "5000"');
  });
});
