import { access, constants } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import type { Config } from '../shared/config.js';
import { InternalError } from '../shared/errors.js';

/**
 * What `npm start` checks before it binds anything, and how a failure reads: one line
 * per problem, naming the setting (and the `npm start` flag) to change. No stack traces:
 * these are the user's to fix, not bugs.
 */

/** A port the local stack binds: its setting, its `npm start` flag and what listens there. */
export interface PortSetting {
  setting: 'EDGEIM_PUSH_API_PORT' | 'EDGEIM_WS_API_PORT' | 'EDGEIM_GATEWAY_TCP_PORT' | 'EDGEIM_GATEWAY_WS_PORT' | 'EDGEIM_GATEWAY_HTTP_PORT' | 'EDGEIM_DYNAMODB_PORT' | 'EDGEIM_SQS_PORT';
  flag: string;
  what: string;
}

/** Every port of the local stack, in the order `npm start -- --help` lists them. */
export const LOCAL_PORTS: readonly PortSetting[] = [
  { setting: 'EDGEIM_PUSH_API_PORT', flag: '--push-port', what: 'push API, /docs and the demo page' },
  { setting: 'EDGEIM_WS_API_PORT', flag: '--ws-port', what: 'WebSocket API (and its @connections)' },
  { setting: 'EDGEIM_GATEWAY_TCP_PORT', flag: '--tcp-port', what: 'goim over TCP' },
  { setting: 'EDGEIM_GATEWAY_WS_PORT', flag: '--goim-ws-port', what: 'goim over WebSocket (/sub)' },
  { setting: 'EDGEIM_GATEWAY_HTTP_PORT', flag: '--internal-port', what: "the gateway's internal API and /healthz" },
  { setting: 'EDGEIM_DYNAMODB_PORT', flag: '--dynamodb-port', what: 'embedded DynamoDB' },
  { setting: 'EDGEIM_SQS_PORT', flag: '--sqs-port', what: 'embedded SQS' },
];

/** `EDGEIM_PUSH_API_PORT / --push-port`: how a line names a setting that has a flag. */
export function settingName(setting: string): string {
  const p = LOCAL_PORTS.find((s) => s.setting === setting);
  return p ? `${p.setting} / ${p.flag}` : setting;
}

/** A start that cannot go on for a reason the user fixes: `lines` say what, one problem each. */
export class StartupError extends InternalError {
  override name = 'StartupError';
  constructor(
    readonly lines: readonly string[],
    options?: ErrorOptions,
  ) {
    super(lines.join('\n'), options);
  }
}

/** The data directory is held by another run: `holder` names it (its pids), or is undefined when it is this process. */
export class DataDirInUseError extends InternalError {
  override name = 'DataDirInUseError';
  constructor(readonly holder?: string) {
    super(holder ? `the data directory is in use by another edgeim run (${holder})` : 'the data directory is in use by another edgeim run in this process');
  }
}

/** A port the stack is about to bind, 0 for any free one. */
export interface PlannedPort {
  setting: PortSetting['setting'];
  port: number;
}

const inUseLine = (p: PlannedPort, detail: string) => {
  const flag = LOCAL_PORTS.find((s) => s.setting === p.setting)?.flag ?? '';
  return `port ${p.port} (${settingName(p.setting)}) is in use: ${detail}; stop it, or choose another port${flag ? ` (${flag} 0 picks a free one)` : ''}`;
};

/** Tries to bind `port` on `host` and lets go at once; resolves with the error code, or undefined when free. */
function probe(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/**
 * Checks the ports before anything binds: two settings on one port, and ports another
 * program holds (a second `npm start`). Throws StartupError with every clash, one line each.
 */
export async function checkPorts(ports: readonly PlannedPort[], host = '127.0.0.1'): Promise<void> {
  const lines: string[] = [];
  const fixed = ports.filter((p) => p.port !== 0);
  const seen = new Map<number, PlannedPort>();
  for (const p of fixed) {
    const first = seen.get(p.port);
    if (first) lines.push(`port ${p.port} is given to both ${settingName(first.setting)} and ${settingName(p.setting)}: give each its own port`);
    else seen.set(p.port, p);
  }
  const results = await Promise.all([...seen.values()].map(async (p) => [p, await probe(p.port, host)] as const));
  for (const [p, code] of results) {
    if (code === 'EADDRINUSE') lines.push(inUseLine(p, 'another program listens there (another npm start?)'));
    else if (code === 'EACCES') lines.push(`port ${p.port} (${settingName(p.setting)}) needs privileges this process lacks: choose a port above 1023`);
    else if (code) lines.push(`port ${p.port} (${settingName(p.setting)}) cannot be bound: ${code}`);
  }
  if (lines.length) throw new StartupError(lines);
}

/**
 * Turns a bind failure met while starting (a port taken between the check and the bind)
 * into the same one line; undefined for any other error.
 */
export function bindFailure(err: unknown, ports: readonly PlannedPort[]): StartupError | undefined {
  const e = err as NodeJS.ErrnoException & { port?: number };
  const text = String(e?.message ?? '');
  if (e?.code !== 'EADDRINUSE' && !text.includes('EADDRINUSE')) return undefined;
  const port = e.port ?? Number(/:(\d+)\s*$/.exec(text)?.[1] ?? /EADDRINUSE[^\d]*(?:[\d.]+:)?(\d+)/.exec(text)?.[1]);
  const planned = ports.find((p) => p.port === port && port !== 0);
  return planned ? new StartupError([inUseLine(planned, 'another program took it')]) : new StartupError([`a port is in use: ${text}`]);
}

/** A data directory held by another run (the emulators' pid file says so), as one line; undefined for any other error. */
export function dataDirInUse(err: unknown, dataDir: string | undefined): StartupError | undefined {
  if (!(err instanceof DataDirInUseError) || !err.holder || !dataDir) return undefined;
  return new StartupError([`--data ${dataDir} is in use by another edgeim run (${err.holder}): stop that one, or give this one its own --data directory`], { cause: err });
}

/** The endpoints a stack on AWS_ENDPOINT_URL depends on, with the setting that names each. */
export function externalEndpoints(config: Pick<Config, 'AWS_ENDPOINT_URL' | 'AWS_ENDPOINT_URL_DYNAMODB' | 'AWS_ENDPOINT_URL_SQS'>): { setting: string; service: string; url: string }[] {
  const out: { setting: string; service: string; url: string }[] = [];
  const base = config.AWS_ENDPOINT_URL;
  if (config.AWS_ENDPOINT_URL_DYNAMODB) out.push({ setting: 'AWS_ENDPOINT_URL_DYNAMODB', service: 'DynamoDB', url: config.AWS_ENDPOINT_URL_DYNAMODB });
  else if (base) out.push({ setting: 'AWS_ENDPOINT_URL', service: 'DynamoDB', url: base });
  if (config.AWS_ENDPOINT_URL_SQS) out.push({ setting: 'AWS_ENDPOINT_URL_SQS', service: 'SQS', url: config.AWS_ENDPOINT_URL_SQS });
  else if (base) out.push({ setting: 'AWS_ENDPOINT_URL', service: 'SQS', url: base });
  return out;
}

/** Resolves with why nothing answers at `url` (a TCP connect within `timeoutMs`), or undefined when something does. */
function unreachable(url: string, timeoutMs: number): Promise<string | undefined> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (why: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done(`no answer within ${timeoutMs / 1000} s`), timeoutMs);
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done(err.code === 'ECONNREFUSED' ? 'connection refused' : err.code === 'ENOTFOUND' ? `host ${host} not found` : (err.code ?? err.message)),
    );
  });
}

/**
 * With AWS_ENDPOINT_URL (or a per-service endpoint) set, checks that something listens
 * there before the first AWS call (which would otherwise retry for long, or hang):
 * one line per endpoint that does not answer, naming its setting.
 */
export async function checkEndpoints(endpoints: ReturnType<typeof externalEndpoints>, timeoutMs = 3000): Promise<void> {
  const unique = [...new Map(endpoints.map((e) => [`${e.setting} ${e.url}`, e])).values()];
  const results = await Promise.all(unique.map(async (e) => [e, await unreachable(e.url, timeoutMs)] as const));
  const lines = results
    .filter(([, why]) => why !== undefined)
    .map(([e, why]) => {
      const services = endpoints.filter((x) => x.setting === e.setting && x.url === e.url).map((x) => x.service).join(' and ');
      const fix = e.setting === 'AWS_ENDPOINT_URL' ? 'start it (e.g. LocalStack), or unset AWS_ENDPOINT_URL to use the embedded emulators' : `start it, or unset ${e.setting}`;
      return `${e.setting} ${e.url} (${services}) is unreachable: ${why}; ${fix}`;
    });
  if (lines.length) throw new StartupError(lines);
}

/** The gateway's TLS files must be readable (both or neither is the configuration's own check). */
export async function checkFiles(config: Pick<Config, 'EDGEIM_GATEWAY_TLS_CERT_FILE' | 'EDGEIM_GATEWAY_TLS_KEY_FILE'>): Promise<void> {
  const lines: string[] = [];
  for (const setting of ['EDGEIM_GATEWAY_TLS_CERT_FILE', 'EDGEIM_GATEWAY_TLS_KEY_FILE'] as const) {
    const file = config[setting];
    if (!file) continue;
    try {
      await access(file, constants.R_OK);
    } catch (err) {
      lines.push(`${setting}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (lines.length) throw new StartupError(lines);
}
