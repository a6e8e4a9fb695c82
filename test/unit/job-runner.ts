import { BatchLookups } from '../../shared/domain/batch-lookups.js';
import { deliver, type PlanResult } from '../../shared/domain/deliver.js';
import { DeliveryPlan } from '../../shared/domain/delivery-plan.js';
import { planJob } from '../../shared/domain/fanout.js';
import { Recipients } from '../../shared/domain/recipients.js';
import type { Job, Session } from '../../shared/domain/model.js';
import type { MemoryDeps } from '../../shared/memory/memory-deps.js';

/**
 * One fan-out job record run as the job does it (plan, then deliver through the memory
 * `@connections`), on memory stores. The one place these unit tests drive the plan.
 */
export async function runJob(deps: MemoryDeps, job: Job, first = true): Promise<PlanResult> {
  const plan = new DeliveryPlan();
  const [lookups, recipients] = [new BatchLookups(deps), new Recipients()];
  await planJob(deps, job, { plan, record: 0, attempt: { first }, lookups, recipients });
  await recipients.resolve(deps, lookups, plan, 4);
  return deliver(deps.delivery, plan.lanes(deps.settings.maxPushBytes), { concurrency: 4 });
}

/** Takes and runs every job waiting in the memory queue, oldest first, until none waits; how many ran. */
export async function runQueued(deps: MemoryDeps): Promise<number> {
  let ran = 0;
  for (let q = deps.queue.take(); q; q = deps.queue.take()) {
    await runJob(deps, q.job, q.receiveCount === 1);
    ran++;
  }
  return ran;
}

/** A live API Gateway connection of `uid`, written to the memory sessions. */
export async function connect(deps: MemoryDeps, connectionId: string, uid: string, extra: Partial<Session> = {}): Promise<Session> {
  const now = deps.clock.now();
  const session: Session = {
    connectionId,
    uid,
    endpoint: 'https://ws.example/prod',
    kind: 'apigw',
    device: `dev-${connectionId}`,
    platform: 'web',
    rooms: [],
    connectedAt: now,
    expiresAt: Math.floor(now / 1000) + 3600,
    ...extra,
  };
  await deps.sessions.put(session);
  return session;
}
