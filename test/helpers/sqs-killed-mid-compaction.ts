import { startSqsServer } from '../../local/sqs/sqs-server.js';
import type { CompactStep } from '../../local/sqs/journal.js';

/**
 * A local SQS process that kills itself (SIGKILL, as `kill -9` would) at one step of its
 * first compaction while running. Forked by a test with argv [dataDir, step,
 * compactMinBytes]; tells the parent `{port}` once it listens.
 */
const [dataDir, step, minBytes] = process.argv.slice(2) as [string, CompactStep, string];
let started = false;
const server = await startSqsServer({
  port: 0,
  dataDir,
  journal: {
    compactMinBytes: Number(minBytes),
    onCompactStep: (at) => {
      if (started && at === step) process.kill(process.pid, 'SIGKILL');
    },
  },
});
started = true; // the compaction at start is not the one under test
process.send?.({ port: server.port });
process.on('disconnect', () => process.exit(0));
