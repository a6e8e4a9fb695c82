import { parseArgs } from 'node:util';
import { ConfigError, LOCAL_API_KEY, loadConfig } from '../shared/config.js';
import { LOCAL_PORTS, settingName, StartupError } from './preflight.js';
import { startLocalStack } from './stack.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Prints one line per problem on stderr (no stack: these are for the user to fix) and exits. */
function fail(lines: readonly string[], code: number): never {
  for (const line of lines) console.error(`edgeim: ${line}`);
  process.exit(code);
}

const portOptions = Object.fromEntries(LOCAL_PORTS.map((p) => [p.flag.slice(2), { type: 'string' as const }]));
let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({ options: { data: { type: 'string' }, help: { type: 'boolean', short: 'h' }, ...portOptions } }));
} catch (err) {
  fail([`${(err as Error).message.split('\n')[0]} (npm start -- --help lists the options)`], 2);
}

if (values.help) {
  const DEFAULTS: Record<string, unknown> = loadConfig({});
  const pad = Math.max(...LOCAL_PORTS.map((p) => p.flag.length)) + 7;
  const ports = LOCAL_PORTS.map((p) => `  ${`${p.flag} PORT`.padEnd(pad)}${p.what} (${p.setting}, default ${DEFAULTS[p.setting]})`).join('\n');
  console.log(`npm start [-- [--data DIR] [--push-port PORT] [--ws-port PORT] ...]

Starts edgeim locally: DynamoDB (dynalite) and SQS (a local FIFO queue) emulators in a
child process, the WebSocket API emulator, the gateway, the push API and the fan-out job,
on the real handlers.

  ${'--data DIR'.padEnd(pad)}keep DynamoDB data and the job queue in DIR across restarts: whatever
  ${''.padEnd(pad)}was accepted survives a crash or kill -9 (default: in memory)
${ports}
  ${'-h, --help'.padEnd(pad)}this text

Every port is also an environment setting (a flag wins over it); 0 picks a free one. Two
stacks run side by side on different ports, e.g. the second with
  npm start -- --push-port 4000 --ws-port 4001 --tcp-port 4101 --goim-ws-port 4102 \\
               --internal-port 4180 --dynamodb-port 4568 --sqs-port 9325
(give each its own --data DIR too, if any). Other settings come from the environment
(README: Configuration); every one is checked before anything starts.`);
  process.exit(0);
}

/** Flags become the settings they stand for. */
const flagEnv: Record<string, string> = {};
for (const p of LOCAL_PORTS) {
  const value = values[p.flag.slice(2)];
  if (typeof value === 'string') flagEnv[p.setting] = value;
}

/** How long Ctrl-C waits for the job queue to drain before it stops anyway. */
const DRAIN_LIMIT_MS = 60_000;

const data = typeof values.data === 'string' ? values.data : undefined;
let stack: Awaited<ReturnType<typeof startLocalStack>>;
try {
  stack = await startLocalStack({ ...(data ? { dataDir: data } : {}), env: flagEnv, logLevel: 'INFO', drainTimeoutMs: DRAIN_LIMIT_MS });
} catch (err) {
  if (err instanceof ConfigError) fail(err.problems.map((p) => (p.setting ? `${settingName(p.setting)}: ${p.problem}` : p.problem)), 2);
  if (err instanceof StartupError) fail(err.lines, 1);
  throw err;
}
const c = stack.config;
const gw = stack.gateway;
const tls = gw.wsUrl.startsWith('wss:');
console.log(`
edgeim is running locally

  Demo chat         ${stack.pushUrl}/      (open it in two tabs, pick two users)
  WebSocket API     ${stack.wsUrl}/?token=TOKEN      (npm run token -- alice)
  Push API          ${stack.pushUrl}/v1   (Authorization: Bearer ${c.EDGEIM_API_KEYS === LOCAL_API_KEY ? LOCAL_API_KEY : 'KEY'}; reference ${stack.pushUrl}/docs)
  @connections      ${c.EDGEIM_WS_MANAGEMENT_ENDPOINT}/@connections/{id}
  goim TCP          127.0.0.1:${gw.ports.tcp}${tls ? ' (TLS)' : ''}   (Auth body {"token": TOKEN})
  goim WebSocket    ${gw.wsUrl}${tls ? '' : '   (no wss: the gateway serves TLS only with EDGEIM_GATEWAY_TLS_CERT_FILE and _KEY_FILE)'}
  gateway internal  ${gw.endpoint}/@connections/{id}   (${gw.endpoint}/healthz)   signed calls only (README: Security)
  DynamoDB          ${c.AWS_ENDPOINT_URL_DYNAMODB ?? c.AWS_ENDPOINT_URL}${data ? `   (data in ${data})` : '   (in memory)'}
  SQS               ${c.EDGEIM_QUEUE_URL}${data ? `   (queue in ${data})` : '   (in memory)'}${stack.deadLetterQueueUrl ? `
  dead letters      ${stack.deadLetterQueueUrl}   (jobs that failed ${c.EDGEIM_QUEUE_MAX_RECEIVE_COUNT} receives)` : ''}

Ctrl-C stops accepting messages, drains the job queue, then stops.
`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) {
    console.log(`${signal} again: stopping now${data ? `; jobs not yet run stay in ${data} for the next start` : ''}`);
    process.exit(1);
  }
  stopping = true;
  console.log(`\n${signal}: no longer accepting messages; draining the job queue…`);
  const { drained, left } = await stack.close();
  if (drained) {
    console.log('drained: every accepted message was processed; stopped');
    process.exit(0);
  }
  const where = data ? `they stay in ${data} and run at the next start` : 'without --data they are lost';
  console.log(`drain limit (${DRAIN_LIMIT_MS / 1000} s) reached with ${left < 0 ? 'some' : left} job(s) still queued: ${where}`);
  process.exit(data ? 0 : 1);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
