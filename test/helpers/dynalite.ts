import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll } from 'vitest';
import { DynamoSessionStore } from '../../shared/aws/dynamo-session-store.js';
import { DynamoTimelineStore } from '../../shared/aws/dynamo-timeline-store.js';
import { createDocumentClient } from '../../shared/aws/dynamo-client.js';
import { tableDefinitions } from '../../shared/aws/tables.js';
import { loadConfig, type Config } from '../../shared/config.js';

/** An in-memory dynalite with edgeim's tables, reached through the real AWS SDK. */
export async function startDynalite(): Promise<{ db: DynamoDBDocumentClient; config: Config; close(): Promise<void> }> {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const config = loadConfig({ AWS_ENDPOINT_URL_DYNAMODB: endpoint, EDGEIM_JWT_SECRET: 'x' });
  const raw = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  for (const def of tableDefinitions(config)) await raw.send(new CreateTableCommand(def));
  const db = createDocumentClient(config, raw);
  return {
    db,
    config,
    close: async () => {
      db.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A store on a dynalite of its own for the enclosing describe block (or file): started
 * before its tests, closed after them. `d` reaches the tables directly (to leave what a
 * crash leaves, or to build another store on them).
 */
export function useDynaliteStore<T>(make: (d: Awaited<ReturnType<typeof startDynalite>>) => T) {
  let d: Awaited<ReturnType<typeof startDynalite>> | undefined;
  let store: T | undefined;
  beforeAll(async () => {
    d = await startDynalite();
    store = make(d);
  });
  afterAll(() => d?.close());
  return {
    get d() {
      return d!;
    },
    get store() {
      return store!;
    },
  };
}

/** A DynamoTimelineStore on a dynalite of its own (useDynaliteStore). */
export const useDynaliteTimelines = () => useDynaliteStore((d) => new DynamoTimelineStore(d.db, d.config.EDGEIM_TIMELINES_TABLE));

/** A DynamoSessionStore (3 room shards) on a dynalite of its own (useDynaliteStore). */
export const useDynaliteSessions = () => useDynaliteStore((d) => new DynamoSessionStore(d.db, d.config.EDGEIM_SESSIONS_TABLE, 3));
