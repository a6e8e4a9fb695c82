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

Starts edgeim locally in one process: DynamoDB (dynalite) and SQS (local-aws-sqs)
emulators, the WebSocket API emulator and the fan-out job, on the real handlers.
  --data DIR   keep DynamoDB data in DIR across restarts (default: in memory)
Settings come from the environment (README: Configuration).`);
  process.exit(0);
}

const stack = await startLocalStack({ ...(values.data ? { dataDir: values.data } : {}), logLevel: 'INFO' });
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
  SQS               ${c.EDGEIM_QUEUE_URL}

Ctrl-C stops it after the job queue drains.
`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) process.exit(1);
  stopping = true;
  console.log(`\n${signal}: draining the job queue and stopping…`);
  await stack.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
