import type { Config } from '../shared/config.js';

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
  /** Auths in flight at once before new ones are answered OVERLOADED (admission.ts). */
  maxPendingAuths: number;
  /** Event-loop delay (ms) above which new Auths are answered OVERLOADED; 0 = no check. */
  maxEventLoopDelayMs: number;
  /** Retry hint of OVERLOADED: each refused client gets a value in [it, 2·it). */
  overloadRetryMs: number;
  /** Accept queue of the TCP and WebSocket listeners (capped by the kernel's somaxconn); default 4096. */
  listenBacklog: number;
}

/** Gateway options from the configuration (EDGEIM_GATEWAY_*, EDGEIM_GOIM_*, timeouts). */
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
    roomCountTtlMs: 1000,
    closeLingerMs: 5000,
    maxPendingAuths: config.EDGEIM_GATEWAY_MAX_PENDING_AUTHS,
    maxEventLoopDelayMs: config.EDGEIM_GATEWAY_MAX_EVENT_LOOP_DELAY_MS,
    overloadRetryMs: config.EDGEIM_GATEWAY_OVERLOAD_RETRY_MS,
    listenBacklog: 4096,
    ...overrides,
  };
}
