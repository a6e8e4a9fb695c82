/**
 * What the domain reads of edgeim's settings, typed and named for the domain. Built once
 * per process from the configuration (config.ts `domainSettings`, where each field's
 * environment variable is named) and injected with the deps; the domain never reads a
 * setting by its environment name.
 */
export interface DomainSettings {
  /** Groups up to this size get write fan-out (a copy in every inbox); larger ones read fan-out. */
  writeFanoutMax: number;
  /** Offline retention of timeline items, in days. */
  retentionDays: number;
  /** Largest message `body` (JSON-encoded bytes) a caller may send. */
  maxBodyBytes: number;
  /** Largest server frame pushed to a connection; merged frames are split under it. */
  maxPushBytes: number;
  /** Session lifetime (seconds) when the edge gives none. */
  sessionTtlSeconds: number;
  /** Longest one delivery call may take (ms); a gateway task silent past it counts as dead. */
  deliveryTimeoutMs: number;
  /** Rooms one connection may be in at once. */
  maxRoomsPerConnection: number;
  /** Fan-out job: delivery lanes (calls to one connection or gateway task) in flight at once. */
  deliveryConcurrency: number;
  /** Fan-out job: message groups (conversations) of one batch persisted at once. */
  jobGroupConcurrency: number;
}
