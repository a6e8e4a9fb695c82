import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionTable } from '../../gateway/connection-table.js';
import { createConnectHandler } from '../../functions/connect.js';
import { DynamoBatchWriter, type WriteRequest } from '../../shared/aws/dynamo-batch-writer.js';
import { DynamoSessionStore } from '../../shared/aws/dynamo-session-store.js';
import { domainSettings, type Config } from '../../shared/config.js';
import { systemClock } from '../../shared/domain/ports/clock.js';
import { startDynalite } from '../helpers/dynalite.js';
import { authOf, TABLE_OPTIONS, TestChannel } from '../helpers/test-channel.js';



/** The real client, except that every BatchWriteItem leaves the puts of items whose pk starts with `prefix` unprocessed. */
function leavingUnprocessed(real: DynamoDBDocumentClient, table: string, prefix: string): DynamoDBDocumentClient {
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver);
      return async (command: unknown) => {
        if (!(command instanceof BatchWriteCommand)) return target.send(command as never);
        const requests = (command.input.RequestItems?.[table] ?? []) as WriteRequest[];
        const left = (r: WriteRequest) => 'PutRequest' in r && String(r.PutRequest.Item.pk).startsWith(prefix);
        const rest = requests.filter((r) => !left(r));
        if (rest.length > 0) await target.send(new BatchWriteCommand({ RequestItems: { [table]: rest } }));
        return { UnprocessedItems: { [table]: requests.filter(left) } };
      };
    },
  }) as DynamoDBDocumentClient;
}

/**
 * A gateway Auth writes the session, its user routing item and its Auth room in one
 * coalesced BatchWriteItem. DynamoDB may take some items of a batch and leave others
 * unprocessed (a hot room partition throttled); past the writer's retries the open is
 * refused (OVERLOADED), but the items that were written stayed: a connection that does
 * not exist, routed to for the user (deliveries, presence) until its ttl ran out. The
 * table's contract says a refusal leaves nothing behind.
 */
describe('an Auth whose session write is only partly taken', () => {
  let d: Awaited<ReturnType<typeof startDynalite>>;
  let real: DynamoSessionStore;
  let table: ConnectionTable;
  beforeAll(async () => {
    d = await startDynalite();
    const name = d.config.EDGEIM_SESSIONS_TABLE;
    real = new DynamoSessionStore(d.db, name, 3);
    // The real client, except that room items of a batch are always left unprocessed (a throttled room partition).
    const db = leavingUnprocessed(d.db, name, 'room#');
    const store = new DynamoSessionStore(db, name, 3, new DynamoBatchWriter(db, name, { maxAttempts: 2, baseBackoffMs: 1, maxBackoffMs: 2 }));
    table = new ConnectionTable(
      TABLE_OPTIONS,
      { store, clock: systemClock, settings: domainSettings(d.config as Config), fencedBefore: () => 0, deliver: () => true, warn: () => undefined },
    );
    table.listenAt('http://task-p');
  });
  afterAll(() => d.close());

  it('is refused leaving no session, routing item or membership behind', async () => {
    const ch = new TestChannel();
    table.accept(ch);
    const outcome = await table.open(ch, authOf('partial-ann'), 'live:partial');
    expect(outcome).toMatchObject({ open: false, why: 'store' });
    await table.removalsSettled();
    expect(await real.byUser('partial-ann', Date.now())).toEqual([]);
    expect((await real.liveCounts(Date.now())).connections).toBe(0);
  });
});

/** The same through API Gateway's `$connect` (a Lambda): refused with 503, and nothing left of the session. */
describe('a $connect whose session write is only partly taken', () => {
  let d: Awaited<ReturnType<typeof startDynalite>>;
  beforeAll(async () => {
    d = await startDynalite();
  });
  afterAll(() => d.close());

  it('is refused with 503 leaving no session item behind', async () => {
    const name = d.config.EDGEIM_SESSIONS_TABLE;
    const real = new DynamoSessionStore(d.db, name, 3);
    // The user routing item of a batch is always left unprocessed (a throttled partition); the session item is written.
    const db = leavingUnprocessed(d.db, name, 'user#');
    const sessions = new DynamoSessionStore(db, name, 3, new DynamoBatchWriter(db, name, { maxAttempts: 2, baseBackoffMs: 1, maxBackoffMs: 2 }));
    const app = { config: { EDGEIM_WS_MANAGEMENT_ENDPOINT: 'https://api.example/prod' }, settings: domainSettings(d.config as Config), clock: systemClock, sessions, logger: { warn: () => undefined } };
    const event = { requestContext: { connectionId: 'partial-c1', routeKey: '$connect', domainName: 'api.example', stage: 'prod', authorizer: { uid: 'partial-bob' } } };
    const reply = await createConnectHandler(async () => app)(event as Parameters<ReturnType<typeof createConnectHandler>>[0]);
    expect(reply).toMatchObject({ statusCode: 503 });
    expect(await real.get('partial-c1', Date.now())).toBeUndefined();
    expect((await real.liveCounts(Date.now())).connections).toBe(0);
  });
});
