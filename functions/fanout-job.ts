import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { connectionsDelivery, dynamoClient, groupStore, jobQueue, offlineNotifier, sessionStore, timelineStore } from '../shared/app.js';
import { JsonLogger, once } from '../shared/lambda-runtime.js';
import { domainSettings, loadConfig } from '../shared/config.js';
import { systemClock } from '../shared/domain/ports/clock.js';
import { BatchLookups } from '../shared/domain/batch-lookups.js';
import { deliver } from '../shared/domain/deliver.js';
import { DeliveryPlan } from '../shared/domain/delivery-plan.js';
import type { Deps } from '../shared/domain/deps.js';
import { fenceUnreachable } from '../shared/domain/endpoint-fence.js';
import { planJob, type FanoutLog } from '../shared/domain/fanout.js';
import { parseJob } from '../shared/domain/jobs.js';
import { Recipients } from '../shared/domain/recipients.js';
import { mapLimit } from '../shared/domain/pool.js';

/** What the job uses of the app: the domain deps and a logger. */
export type JobApp = Pick<Deps, 'settings' | 'clock' | 'sessions' | 'timelines' | 'groups' | 'offline' | 'queue' | 'delivery'> & {
  logger: FanoutLog & { error(message: string, extra: Record<string, unknown>): void };
};

/**
 * The fan-out job (goim's job) on SQS FIFO batches of up to 10.
 *
 * Phase 1 persists the records: those of one message group (one conversation) one after
 * the other, in order, and different groups in parallel (EDGEIM_JOB_GROUP_CONCURRENCY at
 * once). A record that fails fails every later record of its group, and only those
 * (Powertools' `skipGroupOnError`): other conversations go on. Phase 2 delivers the frames
 * of the records that persisted, merged per connection (stored messages of one timeline
 * in seq order). A delivery that may succeed later (5xx, throttling, API Gateway out of
 * reach) fails its records, those of frames held back behind it, and every later record
 * of their groups, so they come back together and order holds; appends are idempotent,
 * so the retry stores nothing twice. A frame refused for good (a 4xx but 410) is logged
 * and skipped. 410 Gone removes the stale session, and so does a gateway task that cannot
 * be reached (refused, or silent past EDGEIM_DELIVERY_TIMEOUT_MS): its connections died
 * with it, and the record goes on for everyone else. A record's first receive pushes
 * stored messages only where they were new (a repeat send enqueued again delivers nothing
 * twice: fanout.ts). User and group look-ups are shared by the batch (BatchLookups).
 * An unreachable task's endpoint is fenced before its sessions are removed, so a task
 * that was only stalled closes those connections and their clients reconnect and sync
 * (endpoint-fence.ts).
 */
export const createFanoutJob =
  (getApp: () => Promise<JobApp>) =>
  async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const app = await getApp();
    const plan = new DeliveryPlan();
    const lookups = new BatchLookups(app);
    const recipients = new Recipients();
    const records = event.Records;
    const groups = groupsOf(records);
    const failed = new Set<number>();
    await mapLimit([...groups.values()], app.settings.jobGroupConcurrency, async (indices) => {
      for (const [k, i] of indices.entries()) {
        const record = records[i]!;
        try {
          const attempt = { first: record.attributes.ApproximateReceiveCount === '1' };
          await planJob(app, parseJob(record.body), { plan, record: i, attempt, lookups, recipients, log: app.logger });
        } catch (err) {
          app.logger.error('job record failed; it and the rest of its conversation in this batch will be retried', { messageId: record.messageId, err });
          for (const later of indices.slice(k)) failed.add(later);
          return;
        }
      }
    });
    // Users' connections are looked up only now that every record is stored (recipients.ts).
    for (const i of await recipients.resolve(app, lookups, plan, app.settings.deliveryConcurrency)) {
      app.logger.warn('connection look-up failed; the record and the rest of its conversation in this batch will be retried', { messageId: records[i]!.messageId });
      const indices = groups.get(groupOf(records[i]!))!;
      for (const later of indices.slice(indices.indexOf(i))) failed.add(later);
    }
    const delivered = await deliver(app.delivery, plan.lanes(app.settings.maxPushBytes), {
      concurrency: app.settings.deliveryConcurrency,
      onError: (err, ref, outcome) => app.logger.warn(FAILURE_LOG[outcome], { connectionId: ref.connectionId, endpoint: ref.endpoint, err }),
    });
    for (const i of delivered.failed ?? []) {
      const indices = groups.get(groupOf(records[i]!))!;
      for (const later of indices.slice(indices.indexOf(i))) failed.add(later);
    }
    await removeGone(app, await fenceUnreachable(app, delivered, (message, extra) => app.logger.warn(message, extra)));
    return { batchItemFailures: records.filter((_, i) => failed.has(i)).map((r) => ({ itemIdentifier: r.messageId })) };
  };

const FAILURE_LOG = {
  retry: 'delivery failed; the record will be retried',
  skipped: 'delivery refused for good (not retried); the frame is skipped',
  gone: 'gateway task unreachable; its connections are removed as gone',
} as const;

/** The message group of a record (its conversation); records without one count as one group, run in order. */
function groupOf(record: SQSRecord): string {
  return record.attributes.MessageGroupId ?? '';
}

/** Record indices per message group, each list in batch order. */
function groupsOf(records: SQSRecord[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  records.forEach((record, i) => {
    const key = groupOf(record);
    const list = groups.get(key);
    if (list) list.push(i);
    else groups.set(key, [i]);
  });
  return groups;
}

async function removeGone(app: JobApp, connectionIds: string[]): Promise<void> {
  await Promise.all(
    connectionIds.map((id) =>
      app.sessions.remove(id).catch((err: unknown) => app.logger.warn('could not remove stale session', { connectionId: id, err })),
    ),
  );
}

export const handler = createFanoutJob(
  once((): JobApp => {
    const config = loadConfig();
    const db = dynamoClient(config);
    const logger = new JsonLogger();
    return {
      settings: domainSettings(config),
      clock: systemClock,
      logger,
      sessions: sessionStore(config, db),
      timelines: timelineStore(config, db),
      groups: groupStore(config, db),
      queue: jobQueue(config),
      delivery: connectionsDelivery(config),
      offline: offlineNotifier(config, logger),
    };
  }),
);
