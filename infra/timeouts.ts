/**
 * Every connection lifetime of the gateway path, derived from one choice (the gateway's
 * heartbeat timeout) so they stay in order end to end (docs/DEPLOY.md, "Timeouts"):
 *
 *   client heartbeat interval < heartbeat told by /goim/nodes × max ≤ gateway heartbeat timeout
 *   < load balancer idle timeout
 *
 * so a connection is only ever closed by the gateway (with a DisconnectReply), never
 * silently dropped by the load balancer while both ends think it is alive.
 */

/** An NLB TLS listener's idle timeout: fixed by AWS, not settable. */
export const TLS_IDLE_TIMEOUT_SECONDS = 350;
/** What a TCP listener's `tcp.idle_timeout.seconds` may be. */
export const TCP_IDLE_TIMEOUT_RANGE = [60, 6000] as const;
/** Fargate sends SIGKILL at most this long after SIGTERM (the container's stopTimeout cap). */
export const MAX_STOP_TIMEOUT_SECONDS = 120;
/** The container's stopTimeout exceeds the gateway's drain by this much (the process exits by itself first). */
export const STOP_MARGIN_SECONDS = 5;
/**
 * The NLB target group's deregistration delay: the time between "no new connections to
 * this task" and SIGTERM. Connections are long-lived, so nothing finishes during it; it
 * only lets every load balancer node stop sending new connections before the task's
 * listeners close. Connection termination stays off (see `gatewayTimings`).
 */
export const DEREGISTRATION_DELAY_SECONDS = 10;

export interface GatewayTimings {
  /** The gateway closes a goim connection silent for this long (EDGEIM_HEARTBEAT_TIMEOUT_MS). */
  readonly heartbeatTimeoutSeconds: number;
  /** Heartbeat interval the gateway tells clients in AuthReply (a quarter of the timeout; gateway/dispatch.ts). */
  readonly authReplyHeartbeatSeconds: number;
  /** `/goim/nodes/*` heartbeat and heartbeat_max told to goim clients (their product stays within the timeout). */
  readonly nodesHeartbeatSeconds: number;
  readonly nodesHeartbeatMax: number;
  /** `tcp.idle_timeout.seconds` of the plaintext TCP listeners: above the heartbeat timeout. */
  readonly tcpIdleTimeoutSeconds: number;
  /** The TLS listeners' fixed idle timeout (above the heartbeat timeout, checked by `resolveProps`). */
  readonly tlsIdleTimeoutSeconds: number;
  readonly deregistrationDelaySeconds: number;
  /** EDGEIM_GATEWAY_SHUTDOWN_TIMEOUT_MS / 1000: SERVER_SHUTDOWN to every client, sessions removed. */
  readonly drainSeconds: number;
  /** The container's stopTimeout: SIGKILL comes this long after SIGTERM. */
  readonly stopTimeoutSeconds: number;
  /** NLB connection termination on deregistration: off, so the gateway (not the NLB) ends each connection. */
  readonly connectionTermination: false;
}

/** The gateway path's timeouts for a heartbeat timeout and a drain time (both in seconds). */
export function gatewayTimings(heartbeatTimeoutSeconds: number, drainSeconds: number): GatewayTimings {
  const authReplyHeartbeatSeconds = Math.max(1, Math.floor(heartbeatTimeoutSeconds / 4));
  const nodesHeartbeatMax = 2;
  return {
    heartbeatTimeoutSeconds,
    authReplyHeartbeatSeconds,
    nodesHeartbeatSeconds: Math.max(1, Math.floor(heartbeatTimeoutSeconds / (nodesHeartbeatMax + 0.5))),
    nodesHeartbeatMax,
    tcpIdleTimeoutSeconds: Math.min(TCP_IDLE_TIMEOUT_RANGE[1], Math.max(TCP_IDLE_TIMEOUT_RANGE[0], heartbeatTimeoutSeconds + 60)),
    tlsIdleTimeoutSeconds: TLS_IDLE_TIMEOUT_SECONDS,
    deregistrationDelaySeconds: DEREGISTRATION_DELAY_SECONDS,
    drainSeconds,
    stopTimeoutSeconds: Math.min(MAX_STOP_TIMEOUT_SECONDS, drainSeconds + STOP_MARGIN_SECONDS),
    connectionTermination: false,
  };
}
