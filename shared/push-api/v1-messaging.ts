import { randomUUID } from 'node:crypto';
import { sendMessage } from '../domain/messaging.js';
import { pushTransient } from '../domain/push.js';
import { ConflictError } from '../errors.js';
import { IdempotencyMismatchError } from './errors.js';
import { defineRoute } from './route.js';
import { idempotencyKey, messageAccepted, messageRequest, pushRequest, pushResult } from './schemas.js';

/**
 * `POST /v1/push`: a transient push (goim's job) to users, connection keys, a room or
 * everyone. Not stored. Answers once the push jobs are durable in the queue. An
 * `Idempotency-Key` is remembered for 24 hours: the same request again answers the first
 * result and pushes nothing new; another request under it is 422 `IDEMPOTENCY_MISMATCH`.
 *
 * @example
 * curl -H 'Authorization: Bearer edgeim-local-key' -H 'Content-Type: application/json' \
 *   -d '{"op":1000,"body":{"score":"2:1"},"to":{"room":"match-7"}}' http://localhost:3000/v1/push
 */
export const pushRoute = defineRoute({
  id: 'push',
  method: 'post',
  path: '/v1/push',
  tag: 'push',
  summary: 'Push a transient event',
  description:
    'Sends `{"type":"push","op","body"}` to every live connection of the target, through the job queue (one queue group per target, so pushes to one target keep their order). Nothing is stored: offline targets miss it. `Idempotency-Key` (optional, remembered 24 hours): the same request again (same `op`, `body`, `to` — user and key lists compared as sets — and `speed`) answers the first result (its `pushId` and `connections`) and pushes nothing new; a different request under the same key is 422 `IDEMPOTENCY_MISMATCH` and pushes nothing. Push-all honours `speed` (connections per second).',
  body: pushRequest,
  headers: [
    {
      name: 'Idempotency-Key',
      required: false,
      description: 'Request id (1–255 chars), the `pushId`. The same request again within 24 hours answers the first result and pushes nothing new; another request under it is 422.',
      schema: idempotencyKey,
      example: 'score-match-7-41',
    },
  ],
  response: { status: 202, description: 'Accepted: queued for the connections counted.', schema: pushResult },
  examples: {
    body: { op: 1000, body: { score: '2:1' }, to: { room: 'match-7' } },
    response: { pushId: 'score-match-7-41', connections: 2 },
  },
  errors: ['BAD_REQUEST', 'TOO_LARGE', 'IDEMPOTENCY_MISMATCH'],
  handler: async ({ deps, body, headers }) => {
    const key = headers['idempotency-key'];
    try {
      return await pushTransient(deps, { op: body.op, body: body.body, to: body.to, speed: body.speed, requestId: key ?? randomUUID(), idempotent: key !== undefined });
    } catch (err) {
      if (err instanceof ConflictError) throw new IdempotencyMismatchError(`Idempotency-Key ${key} was used for a different request`, { cause: err });
      throw err;
    }
  },
});

/**
 * `POST /v1/messages`: a persisted message from the calling backend, to a user or a group:
 * the same path as a client's `send` (stored in inboxes, synced, delivered live). The
 * message carries `"backend": true`; `from` is a label the request chooses (default
 * `system`) that grants nothing. The same Idempotency-Key with another request is 422
 * `IDEMPOTENCY_MISMATCH`.
 *
 * @example
 * curl -H 'Authorization: Bearer edgeim-local-key' -H 'Idempotency-Key: order-42-shipped' \
 *   -d '{"to":{"user":"alice"},"body":{"text":"Your order shipped"}}' http://localhost:3000/v1/messages
 */
export const messagesRoute = defineRoute({
  id: 'sendMessage',
  method: 'post',
  path: '/v1/messages',
  tag: 'messages',
  summary: 'Send a persisted message',
  description:
    'Same path as a client `send`: the message gets an id, is stored in every recipient inbox (or the group timeline) and delivered to live connections. It carries `"backend": true`; `from` (default `system`) is only the name it shows: it is not written to that user\'s inbox and grants nothing. A backend may send to any user and any existing group. `Idempotency-Key` is the client message id: the same key and `from` with the same request stores one message and answers the same `msgId`; with a different recipient or body it is 422 `IDEMPOTENCY_MISMATCH`.',
  body: messageRequest,
  headers: [{ name: 'Idempotency-Key', required: true, description: 'Client message id (1–255 chars): the same key twice stores one message.', schema: idempotencyKey, example: 'order-42-shipped' }],
  response: { status: 202, description: 'Accepted: durable in the queue.', schema: messageAccepted },
  examples: {
    body: { from: 'shop', to: { user: 'alice' }, body: { text: 'Your order shipped' } },
    response: { msgId: '1042' },
  },
  errors: ['BAD_REQUEST', 'TOO_LARGE', 'NOT_FOUND', 'IDEMPOTENCY_MISMATCH'],
  handler: async ({ deps, caller, body, headers }) => {
    try {
      return await sendMessage(deps, caller, { to: body.to, cmid: headers['idempotency-key'], body: body.body, from: body.from });
    } catch (err) {
      if (err instanceof ConflictError) throw new IdempotencyMismatchError(`Idempotency-Key ${headers['idempotency-key']} was used for a different request`, { cause: err });
      throw err;
    }
  },
});
