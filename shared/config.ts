import * as z from 'zod/mini';
import './protocol/zod-locale.js';
import type { DomainSettings } from './domain/settings.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { describeIssue } from './protocol/validation-message.js';

/**
 * Every setting of edgeim, parsed once from the environment and validated (zod's
 * tree-shakable `zod/mini` build: every Lambda parses its settings at cold start).
 * The README's configuration table lists each variable; keep the two in step.
 */
const int = (def: number, min = 0) => z._default(z.coerce.number().check(z.int(), z.minimum(min)), def);
const PORT_EXPECTED = 'expected a port number 0-65535 (0 picks a free one)';
/** A TCP port setting: 0-65535 (0 picks a free one where the process binds it). */
const port = (def: number) =>
  z._default(z.coerce.number({ error: PORT_EXPECTED }).check(z.int({ error: PORT_EXPECTED }), z.minimum(0, { error: PORT_EXPECTED }), z.maximum(65535, { error: PORT_EXPECTED })), def);
const optionalString = z.pipe(
  z.optional(z.string()),
  z.transform((v: string | undefined) => (v === undefined || v === '' ? undefined : v)),
);
/** An optional http(s) URL (empty = unset). */
const optionalUrl = z.pipe(optionalString, z.optional(z.string().check(z.refine((v) => /^https?:$/.test(URL.parse(v)?.protocol ?? ''), { error: 'expected an http:// or https:// URL' }))));
const str = (def: string) => z._default(z.string(), def);
/** `true`, `false`, `1`, `0` or empty (false). */
const flag = () =>
  z.pipe(
    z._default(z.union([z.boolean(), z.enum(['true', 'false', '1', '0', ''])], { error: 'expected true or false (or 1 / 0)' }), false),
    z.transform((v: boolean | '' | '0' | '1' | 'false' | 'true') => v === true || v === 'true' || v === '1'),
  );

export const configSchema = z
  .object({
    AWS_REGION: str('us-east-1'),
    /** Send DynamoDB and SQS calls here instead of AWS (the local stack, LocalStack). */
    AWS_ENDPOINT_URL: optionalUrl,
    /** Per-service endpoints (AWS SDK names); each wins over AWS_ENDPOINT_URL for its service. */
    AWS_ENDPOINT_URL_DYNAMODB: optionalUrl,
    AWS_ENDPOINT_URL_SQS: optionalUrl,
    EDGEIM_SESSIONS_TABLE: str('edgeim-sessions'),
    EDGEIM_TIMELINES_TABLE: str('edgeim-timelines'),
    EDGEIM_GROUPS_TABLE: str('edgeim-groups'),
    EDGEIM_IDS_TABLE: str('edgeim-ids'),
    EDGEIM_QUEUE_URL: str(''),
    /** HS256 secret. Local default only; the cloud stack passes a secret ARN or a JWKS URL. */
    EDGEIM_JWT_SECRET: optionalString,
    /** Secrets Manager ARN holding the HS256 secret (cloud). */
    EDGEIM_JWT_SECRET_ARN: optionalString,
    /** JWKS URL for RS256/ES256 tokens. */
    EDGEIM_JWKS_URL: optionalUrl,
    EDGEIM_JWT_ISSUER: optionalString,
    EDGEIM_JWT_AUDIENCE: optionalString,
    /** Groups up to this size get write fan-out (a copy in every inbox); larger ones read fan-out. */
    EDGEIM_WRITE_FANOUT_MAX: int(500, 1),
    /** Offline retention of timeline items, in days. */
    EDGEIM_RETENTION_DAYS: int(7, 1),
    /** Largest message `body` (JSON-encoded bytes) a client may send. */
    EDGEIM_MAX_BODY_BYTES: int(16 * 1024, 1),
    /** Largest client frame accepted (API Gateway's own cap is 128 KiB). */
    EDGEIM_MAX_FRAME_BYTES: int(64 * 1024, 256),
    /** Merged server frames are split so none exceeds this (API Gateway bills per 32 KiB). */
    EDGEIM_MAX_PUSH_BYTES: int(32 * 1024, 1024),
    /** Partitions the session items spread over (live totals and push-all read them with one Query each); change only with no session live. */
    EDGEIM_SESSION_SHARDS: int(16, 1),
    /** Shards per room in the sessions table, so a large room is not one hot partition. */
    EDGEIM_ROOM_SHARDS: int(4, 1),
    /** Ids fetched per DynamoDB call by the segment allocator. */
    EDGEIM_ID_STEP: int(1000, 1),
    /** Message groups (conversations) of one job batch persisted at once; their records stay in order within a group. */
    EDGEIM_JOB_GROUP_CONCURRENCY: int(10, 1),
    /** Parallel PostToConnection calls per job invocation. */
    EDGEIM_DELIVERY_CONCURRENCY: int(32, 1),
    /** Attempts per PostToConnection call (AWS SDK retry) before the job record fails. */
    EDGEIM_DELIVERY_MAX_ATTEMPTS: int(3, 1),
    /** How long a missing seq below a newer message counts as an append still in flight, not a hole: `sync` pages stop below it meanwhile. */
    EDGEIM_TIMELINE_SETTLE_MS: int(15_000, 0),
    /** Longest one `@connections` / `@batch` / `@rooms` call may take; a gateway task silent past it counts as dead. */
    EDGEIM_DELIVERY_TIMEOUT_MS: int(3000, 100),
    /** Keep-alive sockets per DynamoDB / SQS client; requests beyond them wait for one. */
    EDGEIM_AWS_MAX_SOCKETS: int(128, 1),
    /** Longest one DynamoDB / SQS attempt may take (waiting for a socket included) before it fails and is retried; long polls get their wait on top. */
    EDGEIM_AWS_REQUEST_TIMEOUT_MS: int(10_000, 100),
    /** Session lifetime: API Gateway closes connections after 2 h; slack added. */
    EDGEIM_SESSION_TTL_SECONDS: int(2 * 3600 + 600, 60),
    /** `@connections` endpoint of the WebSocket API; derived from the event when empty. */
    EDGEIM_WS_MANAGEMENT_ENDPOINT: optionalUrl,
    /** SNS topic for offline recipients (cloud). */
    EDGEIM_OFFLINE_TOPIC_ARN: optionalString,
    /** Webhook URL POSTed for offline recipients (local / self-hosted). */
    EDGEIM_OFFLINE_WEBHOOK_URL: optionalUrl,
    /** Push API keys, comma-separated (several for rotation). Local default: LOCAL_API_KEY. */
    EDGEIM_API_KEYS: optionalString,
    /** Secrets Manager ARN whose string value holds the push API keys, comma-separated (cloud). */
    EDGEIM_API_KEYS_SECRET_ARN: optionalString,
    /** Push API: `npm start` serves it on this port. */
    EDGEIM_PUSH_API_PORT: port(3000),
    /** `npm start`: the WebSocket API emulator's port (0 picks a free one). */
    EDGEIM_WS_API_PORT: port(3001),
    /** `npm start`: the embedded DynamoDB's port (0 picks a free one). */
    EDGEIM_DYNAMODB_PORT: port(4567),
    /** `npm start`: the embedded SQS's port (0 picks a free one). */
    EDGEIM_SQS_PORT: port(9324),
    /** `npm start`: receives of a job message before the local queue moves it to its dead-letter queue (the cloud stack's `job.maxReceiveCount`, 5). */
    EDGEIM_QUEUE_MAX_RECEIVE_COUNT: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(1000)), 5),
    /** Push API: requests per second per API key (burst of the same size); 0 turns the limit off. Per process / Lambda instance. */
    EDGEIM_API_RATE_LIMIT: int(1000),
    /** Push API: largest request body in bytes (413 TOO_LARGE above it). */
    EDGEIM_API_BODY_LIMIT: int(64 * 1024, 256),
    /** Push API: serve `/goim/*` without an API key, as goim did. Only on a private network. */
    EDGEIM_GOIM_ROUTES_OPEN: flag(),
    /** `/goim/nodes/*`: the gateway's public host name (the NLB's in the cloud). */
    EDGEIM_NODES_DOMAIN: str('localhost'),
    /** `/goim/nodes/*`: the gateway's public goim TCP, WebSocket and WSS ports; 0 = not served (not advertised). */
    EDGEIM_NODES_TCP_PORT: port(3101),
    EDGEIM_NODES_WS_PORT: port(3102),
    /** No wss by default: a gateway serves TLS only with a certificate (or a load balancer in front that has one). */
    EDGEIM_NODES_WSS_PORT: port(0),
    /** `/goim/nodes/*`: heartbeat interval (seconds) and missed heartbeats allowed, as told to goim clients. */
    EDGEIM_NODES_HEARTBEAT_SECONDS: int(240, 1),
    EDGEIM_NODES_HEARTBEAT_MAX: int(2, 1),
    /** Gateway: goim over raw TCP listens here (goim's default 3101). */
    EDGEIM_GATEWAY_TCP_PORT: port(3101),
    /** Gateway: goim over WebSocket (path `/sub`) listens here (goim's default 3102). */
    EDGEIM_GATEWAY_WS_PORT: port(3102),
    /** Gateway: internal HTTP port serving `@connections`, the batch/room extensions and `/healthz`. */
    EDGEIM_GATEWAY_HTTP_PORT: port(3180),
    /** Gateway: address the listeners bind to. */
    EDGEIM_GATEWAY_HOST: str('0.0.0.0'),
    /** Gateway: `http://<task-ip>:<http port>` written in sessions; derived from the HTTP port when empty. */
    EDGEIM_GATEWAY_PUBLIC_ENDPOINT: optionalUrl,
    /** Gateway: largest goim packet body accepted from a client; bigger closes the connection. */
    EDGEIM_GOIM_MAX_BODY_BYTES: int(64 * 1024, 64),
    /** Gateway: a connection that has not authenticated within this time is closed. */
    EDGEIM_HANDSHAKE_TIMEOUT_MS: int(8000, 1),
    /** Gateway: a connection silent for this long (no heartbeat or other packet) is closed (goim: 4 min x 2). */
    EDGEIM_HEARTBEAT_TIMEOUT_MS: int(8 * 60_000, 1),
    /** Gateway, local only: accept goim's bare `{mid}` auth without a token. Never enable in the cloud. */
    EDGEIM_GOIM_INSECURE_AUTH: flag(),
    /** Gateway: frames for one connection within this window (ms) go out as one write; 0 = end of the event-loop turn. */
    EDGEIM_GATEWAY_MERGE_WINDOW_MS: int(0),
    /** Gateway: a connection's merged write is flushed early once it holds this many packets. */
    EDGEIM_GATEWAY_MERGE_MAX_FRAMES: int(64, 1),
    /** Gateway: bytes queued for one connection (unsent + socket buffer) before it is closed as SLOW_CONSUMER. */
    EDGEIM_GATEWAY_MAX_OUTBOUND_BYTES: int(4 * 1024 * 1024, 1024),
    /** Gateway: Auths being processed (token check, session write) at once; more are answered OVERLOADED. */
    EDGEIM_GATEWAY_MAX_PENDING_AUTHS: int(4096, 1),
    /** Gateway: while the event loop lags more than this (ms), new Auths are answered OVERLOADED; 0 turns the check off. */
    EDGEIM_GATEWAY_MAX_EVENT_LOOP_DELAY_MS: int(1000),
    /** Gateway: OVERLOADED tells clients to come back after this many ms (each gets a value between it and twice it). */
    EDGEIM_GATEWAY_OVERLOAD_RETRY_MS: int(1000, 1),
    /** Gateway: on SIGTERM, clients are told and sessions removed within this time, then the process exits. */
    EDGEIM_GATEWAY_SHUTDOWN_TIMEOUT_MS: int(10_000, 100),
    /** Gateway: PEM certificate chain and key files; with both set, goim TCP and goim WebSocket are served over TLS. */
    EDGEIM_GATEWAY_TLS_CERT_FILE: optionalString,
    EDGEIM_GATEWAY_TLS_KEY_FILE: optionalString,
    /** Gateway: CloudWatch namespace of the connection-count metric printed every minute (embedded metric format); off when empty. */
    EDGEIM_GATEWAY_METRICS_NAMESPACE: optionalString,
    /** Gateway: value of the metric's `Service` dimension (the stack sets its name). */
    EDGEIM_GATEWAY_METRICS_SERVICE: str('edgeim'),
    /** Gateway internal API credential (>= 32 chars): the gateway verifies, the fan-out job and the push API sign. */
    EDGEIM_GATEWAY_SECRET: z.pipe(optionalString, z.optional(z.string().check(z.minLength(32, 'must be at least 32 characters')))),
    /** Secrets Manager ARN whose string value is the gateway internal API credential (cloud; cached 5 min). */
    EDGEIM_GATEWAY_SECRET_ARN: optionalString,
    /** Gateway: client requests one connection may have waiting (beyond: DisconnectReply RATE_LIMITED). */
    EDGEIM_GATEWAY_MAX_PENDING_REQUESTS: int(64, 1),
    /** Gateway: bytes of waiting request bodies one connection may hold (beyond: DisconnectReply RATE_LIMITED). */
    EDGEIM_GATEWAY_MAX_PENDING_BYTES: int(1024 * 1024, 1024),
    /** Gateway: connections one user may hold on one gateway task; one more is refused (DisconnectReply TOO_MANY_CONNECTIONS); 0 = no cap. */
    EDGEIM_GATEWAY_MAX_CONNECTIONS_PER_USER: int(10),
    /** Gateway: bytes all connections of a task may hold queued (waiting requests, outbound, socket buffers); beyond it the biggest holders are closed RATE_LIMITED; 0 = no budget. */
    EDGEIM_GATEWAY_MAX_QUEUED_BYTES: int(256 * 1024 * 1024),
    /** Gateway: a connection is closed (DisconnectReply MAX_AGE, reconnect) after about this many seconds, as API Gateway does at 2 h; 0 = no cap. */
    EDGEIM_GATEWAY_MAX_CONNECTION_AGE_SECONDS: int(2 * 3600),
    /** Rooms one connection may be in at once (gateway and WebSocket API); a join past it is BAD_REQUEST. */
    EDGEIM_MAX_ROOMS_PER_CONNECTION: int(100, 1),
    /** Client requests per second per connection, on the gateway and the WebSocket API; 0 turns the limit off. */
    EDGEIM_CONNECTION_RATE_LIMIT: int(50),
    /** Requests a connection may send at once above its rate (the bucket size). */
    EDGEIM_CONNECTION_RATE_BURST: int(100, 1),
    /** Push API: failed API-key checks per minute per source address before 429 (the bucket size too); 0 = off. */
    EDGEIM_API_AUTH_FAILURE_LIMIT: int(30),
  })
  .check(
    z.superRefine((c, ctx) => {
      const sources = [c.EDGEIM_JWT_SECRET, c.EDGEIM_JWT_SECRET_ARN, c.EDGEIM_JWKS_URL].filter(Boolean);
      if (sources.length > 1) {
        ctx.addIssue({
          code: 'custom',
          message: 'set only one of EDGEIM_JWT_SECRET, EDGEIM_JWT_SECRET_ARN, EDGEIM_JWKS_URL',
        });
      }
      if (c.EDGEIM_GATEWAY_SECRET && c.EDGEIM_GATEWAY_SECRET_ARN) {
        ctx.addIssue({ code: 'custom', message: 'set only one of EDGEIM_GATEWAY_SECRET, EDGEIM_GATEWAY_SECRET_ARN' });
      }
      if (Boolean(c.EDGEIM_GATEWAY_TLS_CERT_FILE) !== Boolean(c.EDGEIM_GATEWAY_TLS_KEY_FILE)) {
        const unset = c.EDGEIM_GATEWAY_TLS_CERT_FILE ? 'EDGEIM_GATEWAY_TLS_KEY_FILE' : 'EDGEIM_GATEWAY_TLS_CERT_FILE';
        ctx.addIssue({ code: 'custom', path: [unset], message: 'required with the other TLS file: set both EDGEIM_GATEWAY_TLS_CERT_FILE and EDGEIM_GATEWAY_TLS_KEY_FILE, or neither' });
      }
    }),
  );

export type Config = z.infer<typeof configSchema>;

export { ConfigError, type ConfigProblem } from './errors.js';

/** `EDGEIM_PUSH_API_PORT: expected a port number ...`: a problem as one line. */
export const configProblemLine = (p: ConfigProblem) => (p.setting ? `${p.setting}: ${p.problem}` : p.problem);

/** Settings whose values are never echoed in an error. */
const isSecret = (name: string) => /SECRET$|API_KEYS$/.test(name);

/** Parses and validates the configuration; throws ConfigError naming every bad setting. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = z.safeParse(configSchema, env, { reportInput: true });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue): ConfigProblem => {
      const setting = issue.path.length ? String(issue.path[0]) : undefined;
      if (!setting) return { problem: issue.message };
      const problem = describeIssue({ ...issue, path: issue.path.slice(1) }, { input: env[setting], redact: isSecret(setting) });
      return { setting, problem };
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.map(configProblemLine).join('\n  ')}`, problems);
  }
  return parsed.data;
}

/** The settings the domain reads (domain/settings.ts), from a configuration: built once per process, with the deps. */
export function domainSettings(config: Config): DomainSettings {
  return {
    writeFanoutMax: config.EDGEIM_WRITE_FANOUT_MAX,
    retentionDays: config.EDGEIM_RETENTION_DAYS,
    maxBodyBytes: config.EDGEIM_MAX_BODY_BYTES,
    maxPushBytes: config.EDGEIM_MAX_PUSH_BYTES,
    sessionTtlSeconds: config.EDGEIM_SESSION_TTL_SECONDS,
    deliveryTimeoutMs: config.EDGEIM_DELIVERY_TIMEOUT_MS,
    maxRoomsPerConnection: config.EDGEIM_MAX_ROOMS_PER_CONNECTION,
    deliveryConcurrency: config.EDGEIM_DELIVERY_CONCURRENCY,
    jobGroupConcurrency: config.EDGEIM_JOB_GROUP_CONCURRENCY,
  };
}

/** The HS256 secret of the local runtime (docs/PROTOCOL.md). Never used by the cloud stack. */
export const LOCAL_JWT_SECRET = 'edgeim-local-secret';

/** The push API key of the local runtime (`Authorization: Bearer edgeim-local-key`). Never used by the cloud stack. */
export const LOCAL_API_KEY = 'edgeim-local-key';
