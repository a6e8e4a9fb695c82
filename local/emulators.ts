import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

export interface Emulators {
  dynamoUrl: string;
  sqsUrl: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite and local-aws-sqs on a worker thread (one process, a second core):
 * the emulators' CPU no longer competes with the handlers on the main thread.
 */
export async function startEmulators(options: { dataDir?: string; dynamoPort: number; sqsPort: number }): Promise<Emulators> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const worker = new Worker(new URL('./emulators-worker.mjs', import.meta.url), { workerData: options });
  const ports = await new Promise<{ dynamoPort: number; sqsPort: number }>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (msg: { error?: string; dynamoPort: number; sqsPort: number }) =>
      msg.error ? reject(new Error(`emulators failed to start: ${msg.error}`)) : resolve(msg),
    );
  });
  return {
    dynamoUrl: `http://127.0.0.1:${ports.dynamoPort}`,
    sqsUrl: `http://127.0.0.1:${ports.sqsPort}`,
    async close() {
      await new Promise<void>((resolve) => {
        worker.once('message', () => resolve());
        worker.postMessage('close');
      });
      await worker.terminate();
    },
  };
}
