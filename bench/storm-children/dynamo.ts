/**
 * DynamoDB in a process of its own for the storm benchmark (dynalite, in memory, with
 * edgeim's tables), so the gateway process measured beside it pays only for its own
 * side of every session write, as a Fargate task talking to DynamoDB would.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { tableDefinitions } from '../../shared/aws/tables.js';
import { loadConfig } from '../../shared/config.js';
import { serveUsage, usage } from './usage.js';

const server = dynalite({ createTableMs: 0 });
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
const ddb = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
for (const def of tableDefinitions(loadConfig({ EDGEIM_JWT_SECRET: 'unused' }))) await ddb.send(new CreateTableCommand(def));
ddb.destroy();
process.send?.({ ready: true, endpoint, usage: usage(true) });
serveUsage(() => new Promise<void>((resolve) => server.close(() => resolve())));
