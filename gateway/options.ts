import { readFileSync } from 'node:fs';
import { gatewaySecretSource } from '../shared/aws/gateway-signer.js';
import { ConfigError, type Config } from '../shared/config.js';
import type { RateLimit } from '../shared/domain/token-bucket.js';

/** How to run a gateway; `gatewayOptions(config)` fills it from the configuration. */
export interface GatewayOptions {
  host: string;
  /** goim over TCP; 0 picks a free port. */
  tcpPort: number;
  /** goim over WebSocket, path `/sub`; 0 picks a free port. */
  wsPort: number;
  /** Internal `@connections` API and `/healthz`; 0 picks a free port. */
  httpPort: number;
  /** Endpoint written in sessions; default `http://<host or, for 0.0.0.0, the first non-internal IPv4>:<httpPort>`. */
  publicEndpoint?: string | undefined;
  maxBodyBytes: number;
  handshakeTimeoutMs: number;
  heartbeatTimeoutMs: number;
  insecureAuth: boolean;
  mergeWindowMs: number;
  mergeMaxFrames: number;
  maxOutboundBytes: number;
  shutdownTimeoutMs: number;
  /** Session lifetime in seconds; sessions are renewed when half of it is left. */
  sessionTtlSeconds: number;
  /** How long a room's online count is cached for heartbeats. */
  roomCountTtlMs: number;
  /** How long a closing connection may take to drain its last bytes before it is destroyed. */
  closeLingerMs: number;
  /** Request budget per connection (token bucket); `perSecond` 0 turns it off. */
  rateLimit: RateLimit;
  /** Requests one connection may have waiting behind the running one; beyond: DisconnectReply RATE_LIMITED. */
  maxPendingRequests: number;
  /** Body bytes of those waiting requests; beyond: DisconnectReply RATE_LIMITED. */
  maxPendingBytes: number;
  /**
   * The internal API's credential (EDGEIM_GATEWAY_SECRET, or the secret behind
   * EDGEIM_GATEWAY_SECRET_ARN), resolved on each call (a cached secret rotates). Every
   * internal call but `/healthz` must be signed with it.
   */
  internalSecret: () => Promise<string>;
  /** Connections one user may hold on this task; one more is refused at Auth (TOO_MANY_CONNECTIONS); 0 = no cap. */
  maxConnectionsPerUser: number;
  /**
   * Bytes all connections may hold queued together (waiting requests, outbound queues,
   * socket buffers); past it the biggest holders are closed RATE_LIMITED (queue-budget.ts); 0 = none.
   */
  maxQueuedBytes: number;
  /** A connection is closed MAX_AGE after 90–100 % of this many seconds; 0 = no cap. */
  maxConnectionAgeSeconds: number;
  /** Rooms one connection may be in (checked here before the store's own condition). */
  maxRoomsPerConnection: number;
  /** Auths in flight at once before new ones are answered OVERLOADED (admission.ts). */
  maxPendingAuths: number;
  /** Event-loop delay (ms) above which new Auths are answered OVERLOADED; 0 = no check. */
  maxEventLoopDelayMs: number;
  /** Retry hint of OVERLOADED: each refused client gets a value in [it, 2·it). */
  overloadRetryMs: number;
  /** Accept queue of the TCP and WebSocket listeners (capped by the kernel's somaxconn); default 4096. */
  listenBacklog: number;
  /**
   * Serve goim TCP and goim WebSocket over TLS with this certificate chain and key (PEM).
   * Default: plaintext, as behind a load balancer that terminates TLS (the cloud stack).
   */
  tls?: GatewayTls | undefined;
  /**
   * Print the open-connection count as a CloudWatch embedded-metric line every minute
   * (connection-metric.ts; the standalone process, gateway/main.ts). Default: none.
   */
  metrics?: { namespace: string; service: string } | undefined;
}

/** A certificate chain and its private key, PEM. */
export interface GatewayTls {
  cert: string | Buffer;
  key: string | Buffer;
}

/** TLS from EDGEIM_GATEWAY_TLS_CERT_FILE / EDGEIM_GATEWAY_TLS_KEY_FILE: both or neither. */
function tlsFromConfig(config: Config): GatewayTls | undefined {
  const certFile = config.EDGEIM_GATEWAY_TLS_CERT_FILE;
  const keyFile = config.EDGEIM_GATEWAY_TLS_KEY_FILE;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new ConfigError('set both EDGEIM_GATEWAY_TLS_CERT_FILE and EDGEIM_GATEWAY_TLS_KEY_FILE, or neither');
  return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

/**
 * Gateway options from the configuration (EDGEIM_GATEWAY_*, EDGEIM_GOIM_*, timeouts): every
 * setting the gateway reads is read here, and each is in docs/GATEWAY.md, "Settings".
 */
export function gatewayOptions(config: Config, overrides: Partial<GatewayOptions> = {}): GatewayOptions {
  return {
    host: config.EDGEIM_GATEWAY_HOST,
    tcpPort: config.EDGEIM_GATEWAY_TCP_PORT,
    wsPort: config.EDGEIM_GATEWAY_WS_PORT,
    httpPort: config.EDGEIM_GATEWAY_HTTP_PORT,
    publicEndpoint: config.EDGEIM_GATEWAY_PUBLIC_ENDPOINT,
    maxBodyBytes: config.EDGEIM_GOIM_MAX_BODY_BYTES,
    handshakeTimeoutMs: config.EDGEIM_HANDSHAKE_TIMEOUT_MS,
    heartbeatTimeoutMs: config.EDGEIM_HEARTBEAT_TIMEOUT_MS,
    insecureAuth: config.EDGEIM_GOIM_INSECURE_AUTH,
    mergeWindowMs: config.EDGEIM_GATEWAY_MERGE_WINDOW_MS,
    mergeMaxFrames: config.EDGEIM_GATEWAY_MERGE_MAX_FRAMES,
    maxOutboundBytes: config.EDGEIM_GATEWAY_MAX_OUTBOUND_BYTES,
    shutdownTimeoutMs: config.EDGEIM_GATEWAY_SHUTDOWN_TIMEOUT_MS,
    sessionTtlSeconds: config.EDGEIM_SESSION_TTL_SECONDS,
    rateLimit: { perSecond: config.EDGEIM_CONNECTION_RATE_LIMIT, burst: config.EDGEIM_CONNECTION_RATE_BURST },
    maxPendingRequests: config.EDGEIM_GATEWAY_MAX_PENDING_REQUESTS,
    maxPendingBytes: config.EDGEIM_GATEWAY_MAX_PENDING_BYTES,
    internalSecret: gatewaySecretSource(config),
    roomCountTtlMs: 1000,
    closeLingerMs: 5000,
    tls: overrides.tls ?? tlsFromConfig(config),
    maxConnectionsPerUser: config.EDGEIM_GATEWAY_MAX_CONNECTIONS_PER_USER,
    maxQueuedBytes: config.EDGEIM_GATEWAY_MAX_QUEUED_BYTES,
    maxConnectionAgeSeconds: config.EDGEIM_GATEWAY_MAX_CONNECTION_AGE_SECONDS,
    maxRoomsPerConnection: config.EDGEIM_MAX_ROOMS_PER_CONNECTION,
    maxPendingAuths: config.EDGEIM_GATEWAY_MAX_PENDING_AUTHS,
    maxEventLoopDelayMs: config.EDGEIM_GATEWAY_MAX_EVENT_LOOP_DELAY_MS,
    overloadRetryMs: config.EDGEIM_GATEWAY_OVERLOAD_RETRY_MS,
    listenBacklog: 4096,
    metrics: config.EDGEIM_GATEWAY_METRICS_NAMESPACE ? { namespace: config.EDGEIM_GATEWAY_METRICS_NAMESPACE, service: config.EDGEIM_GATEWAY_METRICS_SERVICE } : undefined,
    ...overrides,
  };
}
