import { join } from 'node:path';
import dynalite from 'dynalite';
import { startSqsServer } from './sqs/sqs-server.js';

/**
 * The emulators' own process (forked by emulators.ts): dynalite (DynamoDB) and the local
 * SQS, so their CPU never competes with the gateway and the handlers in the parent.
 *
 * IPC: started with its options as JSON in argv[2]; sends `{ready, dynamoPort, sqsPort}`
 * or `{error}`; on the message `'close'` closes both servers (dynalite flushes its
 * LevelDB, the queue journal is closed) and answers `{closed: true}` before exiting. When
 * the parent goes away without saying so (it crashed, or was killed), the IPC channel
 * disconnects and this process exits at once: everything either server acknowledged is
 * already written (LevelDB's log, the queue journal).
 */
interface ChildOptions {
  dataDir?: string;
  dynamoPort: number;
  sqsPort: number;
  dedupWindowMs?: number;
}

const send = (msg: unknown) => new Promise<void>((resolve) => (process.connected ? process.send!(msg, () => resolve()) : resolve()));

process.on('disconnect', () => process.exit(0));

async function main(options: ChildOptions): Promise<void> {
  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.dataDir ? { path: join(options.dataDir, 'dynamodb') } : {}) });
  await new Promise<void>((resolve, reject) => {
    db.once('error', reject);
    db.listen(options.dynamoPort, '127.0.0.1', () => resolve());
  });
  const sqs = await startSqsServer({
    port: options.sqsPort,
    host: '127.0.0.1',
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.dedupWindowMs !== undefined ? { dedupWindowMs: options.dedupWindowMs } : {}),
  });
  process.on('message', (msg) => {
    if (msg !== 'close') return;
    void (async () => {
      await sqs.close();
      db.closeAllConnections();
      await new Promise<void>((resolve) => db.close(() => resolve()));
      await send({ closed: true });
      process.exit(0);
    })();
  });
  await send({ ready: true, dynamoPort: (db.address() as { port: number }).port, sqsPort: sqs.port });
}

main(JSON.parse(process.argv[2] ?? '{}') as ChildOptions).catch(async (err: unknown) => {
  await send({ error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
