import * as z from 'zod/mini';
import '../protocol/zod-locale.js';
import { InvalidJobError } from '../errors.js';
import { targetSchema } from '../protocol/frames.js';
import { isBusinessOp } from '../protocol/goim/ops.js';
import { ridSchema } from '../protocol/identifiers.js';
import { describeIssues } from '../protocol/validation-message.js';
import type { Job } from './model.js';

const messageSchema = z.object({
  id: z.string(),
  conv: z.string(),
  from: z.string(),
  to: targetSchema,
  body: z.unknown(),
  cmid: z.string(),
  sentAt: z.number(),
  backend: z.optional(z.literal(true)),
});

const pushTargetSchema = z.union([
  z.strictObject({ user: z.string() }),
  z.strictObject({ key: z.string() }),
  z.strictObject({ room: z.string() }),
  z.strictObject({ all: z.literal(true) }),
]);

const pushJobSchema = z.object({
  id: z.string(),
  op: z.number().check(z.refine(isBusinessOp, 'expected a business op')),
  body: z.unknown(),
  encoding: z.optional(z.literal('base64')),
  to: pushTargetSchema,
  speed: z.optional(z.int().check(z.minimum(1))),
  cursor: z.optional(z.string()),
  page: z.optional(z.int().check(z.minimum(0))),
  notBefore: z.optional(z.number()),
});

/** Every job the fan-out job runs (model.ts `Job`), as the queue carries it. */
export const jobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('message'), message: messageSchema, groupCreatedAt: z.optional(z.number()), origin: z.optional(z.string()), repeat: z.optional(z.literal(true)) }),
  // `room` is optional only for room jobs enqueued before jobs carried it: then it is the message's room.
  z.object({ kind: z.literal('room'), room: z.optional(ridSchema), message: messageSchema, origin: z.optional(z.string()) }),
  z.object({ kind: z.literal('push'), push: pushJobSchema }),
]);

/**
 * A queue message body as a job, validated: InvalidJobError (with the problems, or the
 * JSON error as `cause`) when it is not one. A room job always comes out with its room.
 */
export function parseJob(text: string): Job {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidJobError('job is not valid JSON', { cause: err });
  }
  const parsed = z.safeParse(jobSchema, value, { reportInput: true });
  if (!parsed.success) throw new InvalidJobError(`invalid job: ${describeIssues(parsed.error.issues, { input: value })}`);
  const job = parsed.data;
  if (job.kind !== 'room' || job.room !== undefined) return job as Job;
  const to = job.message.to;
  if (!('room' in to)) throw new InvalidJobError('invalid job: a room job names no room');
  return { ...job, room: to.room } as Job;
}
