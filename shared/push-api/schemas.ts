import { z } from 'zod';
import { MAX_PUSH_TARGETS } from '../domain/push.js';
import { MAX_BUSINESS_OP, MIN_BUSINESS_OP } from '../protocol/goim/ops.js';
import { MAX_IDEMPOTENCY_KEY_CHARS } from '../protocol/cmid.js';
import { targetSchema } from '../protocol/frames.js';
import { gidSchema, ridSchema, uidSchema } from '../protocol/identifiers.js';

/**
 * The `/v1` request and response schemas: requests are validated with them and
 * `/openapi.json` is generated from them.
 */

const body = z.unknown().refine((b) => b !== undefined, 'body is required').meta({ description: 'Any JSON value.' });
/** A connection key: the connection id (API Gateway's, or the gateway's goim `key`). */
export const keySchema = z
  .string()
  .regex(/^[A-Za-z0-9_=+/.:@-]{1,128}$/, 'a connection key is 1-128 chars of [A-Za-z0-9_=+/.:@-]')
  .meta({ description: 'Connection key (connection id).' });

export const uidParams = z.object({ uid: uidSchema });
export const gidParams = z.object({ gid: gidSchema });
export const memberParams = z.object({ gid: gidSchema, uid: uidSchema });
export const ridParams = z.object({ rid: ridSchema });

/** 1–255 characters (docs/PROTOCOL.md); the domain checks the rest (cmid rules). */
export const idempotencyKey = z.string().min(1).max(MAX_IDEMPOTENCY_KEY_CHARS);

export const pushRequest = z
  .object({
    op: z
      .number()
      .int()
      .min(MIN_BUSINESS_OP)
      .max(MAX_BUSINESS_OP)
      .meta({ description: 'Business op (≥ 1000), the frame\'s `op`.' }),
    body,
    to: z.union([
      z.strictObject({ users: z.array(uidSchema).min(1).max(MAX_PUSH_TARGETS) }).meta({ description: 'Every live connection of these users.' }),
      z.strictObject({ keys: z.array(keySchema).min(1).max(MAX_PUSH_TARGETS) }).meta({ description: 'These connections.' }),
      z.strictObject({ room: ridSchema }).meta({ description: 'Every connection in the room.' }),
      z.strictObject({ all: z.literal(true) }).meta({ description: 'Every live connection.' }),
    ], { error: 'expected one of {"users": [uid, ...]}, {"keys": [key, ...]}, {"room": rid}, {"all": true}' }),
    speed: z.number().int().min(1).optional().meta({ description: 'Push-all only: connections per second (goim\'s `speed`).' }),
  })
  .meta({ title: 'PushRequest' });

export const pushResult = z
  .object({
    pushId: z.string(),
    connections: z.number().int().meta({ description: 'Live connections targeted when accepted; 0 = nobody online, nothing queued.' }),
  })
  .meta({ title: 'PushResult' });

export const messageRequest = z
  .object({
    from: z.optional(uidSchema).meta({ description: 'The sender the message shows (default `system`). A label only: the message carries `"backend": true`, goes to the recipients only (never into this user\'s inbox) and grants nothing.' }),
    to: z.union([z.strictObject({ user: uidSchema }), z.strictObject({ group: gidSchema })], { error: 'expected one of {"user": uid}, {"group": gid}' }),
    body,
  })
  .meta({ title: 'MessageRequest' });

export const messageAccepted = z.object({ msgId: z.string() }).meta({ title: 'MessageAccepted' });

export const messageSchema = z
  .object({
    id: z.string(),
    conv: z.string(),
    from: z.string(),
    to: targetSchema,
    body: z.unknown(),
    cmid: z.string(),
    sentAt: z.number().int(),
    backend: z.literal(true).optional().meta({ description: 'Sent by a backend through the push API: `from` is its label, not an authenticated user.' }),
  })
  .meta({ title: 'Message' });

export const timelineQuery = z.object({
  after: z.coerce.number().int().min(0).default(0).meta({ description: 'Return messages with seq greater than this.' }),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

export const timelinePage = z
  .object({
    messages: z.array(z.object({ seq: z.number().int(), message: messageSchema })),
    head: z.number().int(),
    held: z.optional(z.literal(true)).meta({ description: 'The page ends before a seq whose message may still be on its way (for a few seconds); `head` is the seq below it. Read again shortly.' }),
  })
  .meta({ title: 'TimelinePage' });

const membersField = z.array(uidSchema).max(1000);

export const createGroupRequest = z
  .object({
    group: z.optional(gidSchema).meta({ description: 'Group id; a random one when omitted.' }),
    name: z.string().max(200).optional(),
    owner: z.optional(uidSchema).meta({ description: 'Owning user (and member), who may then manage the group from a client; none by default (only backends manage the group).' }),
    members: membersField.default([]),
  })
  .meta({ title: 'CreateGroupRequest' });

export const membersRequest = z.object({ members: membersField.min(1) }).meta({ title: 'MembersRequest' });

export const groupInfo = z
  .object({ gid: z.string(), name: z.string(), owner: z.string().optional(), createdAt: z.number().int(), memberCount: z.number().int() })
  .meta({ title: 'Group' });

export const groupDetail = groupInfo.extend({ members: z.array(z.string()) }).meta({ title: 'GroupDetail' });

export const groupList = z.object({ groups: z.array(z.string()) }).meta({ title: 'GroupList' });

export const presence = z
  .object({
    uid: z.string(),
    online: z.boolean(),
    connections: z.array(
      z.object({
        key: z.string().meta({ description: 'Connection key: usable with `to.keys` of /v1/push.' }),
        kind: z.enum(['apigw', 'gateway']),
        device: z.string(),
        platform: z.string(),
        rooms: z.array(z.string()),
        connectedAt: z.number().int(),
      }),
    ),
  })
  .meta({ title: 'Presence' });

export const roomOnline = z.object({ room: z.string(), online: z.number().int() }).meta({ title: 'RoomOnline' });
export const onlineTotal = z.object({ connections: z.number().int(), users: z.number().int() }).meta({ title: 'OnlineTotal' });
export const empty = z.object({}).meta({ title: 'Empty' });

export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(['BAD_REQUEST', 'TOO_LARGE', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'METHOD_NOT_ALLOWED', 'CONFLICT', 'IDEMPOTENCY_MISMATCH', 'RATE_LIMITED', 'OVERLOADED', 'INTERNAL']),
      retryAfterMs: z.number().int().optional(),
      message: z.string(),
    }),
  })
  .meta({ title: 'Error' });
