import { BadRequestError, ConflictError } from '../errors.js';
import { checkBodySize, type PushFrame } from '../protocol/frames.js';
import { isBusinessOp, MAX_BUSINESS_OP, MIN_BUSINESS_OP } from '../protocol/goim/ops.js';
import type { Deps } from './deps.js';
import type { DeliveryPlan } from './delivery-plan.js';
import type { PushJob, PushJobTarget } from './model.js';
import { planRoom } from './room-fanout.js';
import { pushDedupId } from './queue-ids.js';
import { mapLimit } from './pool.js';
import { requestDigest } from './request-digest.js';

/** Users or keys in one push request; each becomes one job (one queue group per target). */
export const MAX_PUSH_TARGETS = 1000;
/** Connections per push-all page when no `speed` is given. */
export const PUSH_ALL_PAGE = 1000;
const ENQUEUE_CONCURRENCY = 16;
/** How long a push's Idempotency-Key is remembered (docs/PROTOCOL.md). */
export const PUSH_IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/**
 * A repeat this soon after the first request enqueues its jobs again (the first may have
 * died before enqueueing them; the queue drops what it already has within its 5-minute
 * dedup window, started when the first enqueued, so a minute is left for clock skew).
 * Later repeats enqueue nothing.
 */
const PUSH_REPLAY_MS = 4 * 60_000;

/** Where a push goes: users (all their connections), connection keys, one room, or everyone. */
export type PushTarget = { users: string[] } | { keys: string[] } | { room: string } | { all: true };

export interface PushInput {
  /** Business op (goim/ops.ts: isBusinessOp). */
  op: number;
  /** The frame's `body`: a JSON value, or a base64 string with `encoding: 'base64'`. */
  body: unknown;
  encoding?: 'base64' | undefined;
  to: PushTarget;
  /** Push-all only: connections per second (goim's `speed`); unpaced when absent. */
  speed?: number | undefined;
  /** Caller's request id: a retried request with the same id within the queue's dedup window is dropped. */
  requestId: string;
  /**
   * `requestId` is the caller's Idempotency-Key: the first request under it is recorded
   * (PUSH_IDEMPOTENCY_TTL_SECONDS); a repeat answers the first result, a different
   * request under it is a ConflictError.
   */
  idempotent?: boolean;
}

export interface PushResult {
  pushId: string;
  /** Live connections targeted when the push was accepted (0: nobody online, nothing queued). */
  connections: number;
}

type PushDeps = Pick<Deps, 'settings' | 'clock' | 'sessions' | 'queue'>;

/**
 * Accepts a transient push (goim's push routes): counts the live connections it targets
 * and hands one job per target to the queue (MessageGroupId per target, so pushes to one
 * target keep their order). Nothing is stored; a push to nobody online is OK with 0.
 *
 * With `idempotent`, the key is claimed (one conditional write) before anything is
 * enqueued: a repeat of the same request (same op, body, encoding, target — user and key
 * lists as sets — and speed) answers the first result and enqueues nothing new; the same
 * key with a different request is a ConflictError and enqueues nothing. A request that
 * fails before its jobs are queued gives its key back.
 */
export async function pushTransient(deps: PushDeps & Pick<Deps, 'idempotency'>, input: PushInput): Promise<PushResult> {
  if (!isBusinessOp(input.op)) throw new BadRequestError(`op must be an integer from ${MIN_BUSINESS_OP} to ${MAX_BUSINESS_OP}`);
  if (input.speed !== undefined && !(Number.isInteger(input.speed) && input.speed >= 1)) throw new BadRequestError('speed must be a positive integer');
  checkBodySize(input.body, deps.settings.maxBodyBytes);
  const now = deps.clock.now();
  const base = { id: input.requestId, op: input.op, body: input.body, ...(input.encoding ? { encoding: input.encoding } : {}) };
  const to = input.to;

  let targets: { to: PushJobTarget; online: number }[];
  if ('users' in to || 'keys' in to) {
    const list = 'users' in to ? to.users : to.keys;
    if (list.length === 0) throw new BadRequestError('name at least one target');
    if (list.length > MAX_PUSH_TARGETS) throw new BadRequestError(`at most ${MAX_PUSH_TARGETS} targets per push`);
    targets = await mapLimit([...new Set(list)], ENQUEUE_CONCURRENCY, async (id) =>
      'users' in to
        ? { to: { user: id }, online: (await deps.sessions.byUser(id, now)).length }
        : { to: { key: id }, online: (await deps.sessions.get(id, now)) ? 1 : 0 },
    );
  } else if ('room' in to) {
    targets = [{ to, online: await deps.sessions.roomCount(to.room, now) }];
  } else {
    targets = [{ to: { all: true }, online: (await deps.sessions.liveCounts(now)).connections }];
  }

  const live = targets.filter((t) => t.online > 0);
  const enqueue = () =>
    mapLimit(live, ENQUEUE_CONCURRENCY, (t) => {
      const job: PushJob = { ...base, to: t.to, ...('all' in t.to && input.speed ? { speed: input.speed } : {}) };
      return enqueuePush(deps, job);
    });
  const result: PushResult = { pushId: input.requestId, connections: live.reduce((n, t) => n + t.online, 0) };
  if (!input.idempotent) {
    await enqueue();
    return result;
  }

  const key = `push#${input.requestId}`;
  const mine = { hash: requestDigest('push', canonicalPush(input)), result, at: now };
  const first = await deps.idempotency.claim(key, mine, Math.floor(now / 1000) + PUSH_IDEMPOTENCY_TTL_SECONDS);
  if (first) {
    if (first.hash !== mine.hash) throw new ConflictError(`Idempotency-Key ${JSON.stringify(input.requestId)} was used for a different push`);
    if (now - first.at < PUSH_REPLAY_MS) await enqueue(); // the queue drops what the first request enqueued
    return first.result as PushResult;
  }
  try {
    await enqueue();
  } catch (err) {
    await deps.idempotency.release(key, mine).catch(() => undefined); // a retry starts afresh
    throw err;
  }
  return result;
}

/** What makes two pushes the same request: user and key lists are sets. */
function canonicalPush(input: PushInput): unknown {
  const to = input.to;
  const target = 'users' in to ? { users: [...new Set(to.users)].sort() } : 'keys' in to ? { keys: [...new Set(to.keys)].sort() } : to;
  return { op: input.op, body: input.body, encoding: input.encoding ?? null, to: target, speed: input.speed ?? null };
}

function targetKey(to: PushJobTarget): string {
  if ('user' in to) return `u:${to.user}`;
  if ('key' in to) return `k:${to.key}`;
  if ('room' in to) return `r:${to.room}`;
  return 'all';
}

function enqueuePush(deps: Pick<Deps, 'queue'>, job: PushJob): Promise<void> {
  const target = targetKey(job.to);
  return deps.queue.enqueue(
    { kind: 'push', push: job },
    { group: `push:${target}`, dedup: pushDedupId(job.id, target, job.page ?? 0) },
  );
}

/**
 * The job side of a push: finds the target's live connections and queues the `push`
 * frame for each. Push-all delivers one page per job (at most `speed` connections, or
 * PUSH_ALL_PAGE) and enqueues the next page to start one second of budget later, so a
 * broadcast goes out at `speed` connections per second. Waiting for `notBefore` holds
 * the job at most ~1 s. Retried pages are deduplicated by the queue.
 */
export async function planPush(deps: PushDeps, job: PushJob, plan: DeliveryPlan, record: number): Promise<void> {
  const frame: PushFrame = { type: 'push', op: job.op, body: job.body, ...(job.encoding ? { encoding: job.encoding } : {}) };
  const to = job.to;
  const now = deps.clock.now();
  if ('user' in to) {
    for (const ref of await deps.sessions.byUser(to.user, now)) plan.add(ref, frame, record);
  } else if ('key' in to) {
    const session = await deps.sessions.get(to.key, now);
    if (session) plan.add(session, frame, record);
  } else if ('room' in to) {
    await planRoom(deps, to.room, { ...frame, room: to.room }, plan, record);
  } else {
    await planPushAllPage(deps, job, frame, plan, record);
  }
}

async function planPushAllPage(deps: PushDeps, job: PushJob, frame: PushFrame, plan: DeliveryPlan, record: number): Promise<void> {
  const wait = (job.notBefore ?? 0) - deps.clock.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 1000)));
  const started = deps.clock.now();
  const limit = job.speed ? Math.min(job.speed, PUSH_ALL_PAGE) : PUSH_ALL_PAGE;
  const page = await deps.sessions.scanLive(started, { limit, cursor: job.cursor });
  for (const ref of page.refs) plan.add(ref, frame, record);
  if (!page.cursor) return;
  const next: PushJob = { ...job, cursor: page.cursor, page: (job.page ?? 0) + 1 };
  if (job.speed) next.notBefore = started + Math.ceil((limit / job.speed) * 1000);
  else delete next.notBefore;
  await enqueuePush(deps, next);
}
