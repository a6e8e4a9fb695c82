import { describe, expect, it } from 'vitest';
import { useTestStack } from '../helpers/local-stack.js';
import { PushApiClient } from '../helpers/push-api-client.js';

/**
 * Repeats that must be recognised as the same send. A body is compared with the first
 * send's stored copy, which went through JSON text: a value that does not survive that
 * trip (a number beyond double range parses to Infinity and is stored as null) must not
 * make an identical retry look like a different message.
 */
describe('idempotency: an identical retry is the same send', () => {
  const t = useTestStack();

  it('a WebSocket send whose body holds 1e400 is answered the same msgId on an identical retry, not CONFLICT', async () => {
    const c = await t.connect('idem-huge');
    const text = '{"action":"send","id":"a","to":{"user":"idem-huge-peer"},"cmid":"h1","body":{"n":1e400}}';
    const first = await c.raw(text);
    expect(first).toMatchObject({ ok: true });
    const again = await c.raw(text.replace('"id":"a"', '"id":"b"'));
    expect(again).toMatchObject({ ok: true, data: { msgId: first.data.msgId } });
  });

  it('a push API message whose body holds 1e400 is 202 with the same msgId on an identical retry, not 422', async () => {
    const api = new PushApiClient(t.stack.pushUrl);
    const raw = '{"to":{"user":"idem-huge-peer"},"body":{"n":-1e999}}';
    const send = () => api.request('POST', '/v1/messages', { raw, headers: { 'content-type': 'application/json', 'Idempotency-Key': 'huge-1' } });
    const first = await send();
    expect(first.status).toBe(202);
    expect(await send()).toMatchObject({ status: 202, body: { msgId: first.body.msgId } });
  });
});
