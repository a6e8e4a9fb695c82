// Runs the DynamoDB (dynalite) and SQS (local-aws-sqs) emulators on a worker thread,
// so they use a core of their own while the main thread runs the handlers.
// Plain JavaScript: worker threads start without the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { createSqsServer } from 'local-aws-sqs';

const { dataDir, dynamoPort, sqsPort } = workerData;
const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(dataDir ? { path: join(dataDir, 'dynamodb') } : {}) });
db.once('error', (err) => parentPort.postMessage({ error: String(err) }));
db.listen(dynamoPort, '127.0.0.1', async () => {
  try {
    const sqs = await createSqsServer({ port: sqsPort, hostname: '127.0.0.1' });
    parentPort.postMessage({ dynamoPort: db.address().port, sqsPort: sqs.address().port });
    parentPort.on('message', (msg) => {
      if (msg !== 'close') return;
      sqs.closeAllConnections?.();
      db.closeAllConnections?.();
      sqs.close(() => db.close(() => parentPort.postMessage({ closed: true })));
    });
  } catch (err) {
    parentPort.postMessage({ error: String(err) });
  }
});
