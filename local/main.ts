import { parseArgs } from 'node:util';
import { LOCAL_API_KEY } from '../shared/config.js';
import { startLocalStack } from './stack.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(`npm start [-- --data DIR]

Starts edgeim locally: DynamoDB (dynalite) and SQS (a local FIFO queue) emulators in a
child process, the WebSocket API emulator, the gateway, the push API and the fan-out job,
on the real handlers.
  --data DIR   keep DynamoDB data and the job queue in DIR across restarts: whatever was
               accepted survives a crash or kill -9 (default: in memory)
Settings come from the environment (README: Configuration).`);
  process.exit(0);
}

/** How long Ctrl-C waits for the job queue to drain before it stops anyway. */
const DRAIN_LIMIT_MS = 60_000;

const stack = await startLocalStack({ ...(values.data ? { dataDir: values.data } : {}), logLevel: 'INFO', drainTimeoutMs: DRAIN_LIMIT_MS });
const c = stack.config;
console.log(`
edgeim is running locally

  Demo chat         ${stack.pushUrl}/      (open it in two tabs, pick two users)
  WebSocket API     ${stack.wsUrl}/?token=TOKEN      (npm run token -- alice)
  Push API          ${stack.pushUrl}/v1   (Authorization: Bearer ${c.EDGEIM_API_KEYS === LOCAL_API_KEY ? LOCAL_API_KEY : 'KEY'}; reference ${stack.pushUrl}/docs)
  @connections      ${c.EDGEIM_WS_MANAGEMENT_ENDPOINT}/@connections/{id}
  goim TCP          127.0.0.1:${stack.gateway.ports.tcp}   (Auth body {"token": TOKEN})
  goim WebSocket    ${stack.gateway.wsUrl}
  gateway internal  ${stack.gateway.endpoint}/@connections/{id}   (${stack.gateway.endpoint}/healthz)   signed calls only (README: Security)
  DynamoDB          ${c.AWS_ENDPOINT_URL_DYNAMODB ?? c.AWS_ENDPOINT_URL}${values.data ? `   (data in ${values.data})` : '   (in memory)'}
  SQS               ${c.EDGEIM_QUEUE_URL}${values.data ? `   (queue in ${values.data})` : '   (in memory)'}

Ctrl-C stops accepting messages, drains the job queue, then stops.
`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) {
    console.log(`${signal} again: stopping now${values.data ? `; jobs not yet run stay in ${values.data} for the next start` : ''}`);
    process.exit(1);
  }
  stopping = true;
  console.log(`\n${signal}: no longer accepting messages; draining the job queue…`);
  const { drained, left } = await stack.close();
  if (drained) {
    console.log('drained: every accepted message was processed; stopped');
    process.exit(0);
  }
  const where = values.data ? `they stay in ${values.data} and run at the next start` : 'without --data they are lost';
  console.log(`drain limit (${DRAIN_LIMIT_MS / 1000} s) reached with ${left < 0 ? 'some' : left} job(s) still queued: ${where}`);
  process.exit(values.data ? 0 : 1);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
