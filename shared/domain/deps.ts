import type { Config } from '../config.js';
import type { IdAllocator } from './id-allocator.js';
import type { Clock } from './ports/clock.js';
import type { Delivery } from './ports/delivery.js';
import type { GroupStore } from './ports/group-store.js';
import type { JobQueue } from './ports/job-queue.js';
import type { OfflineNotifier } from './ports/offline-notifier.js';
import type { SessionStore } from './ports/session-store.js';
import type { TimelineStore } from './ports/timeline-store.js';

/** Everything the domain functions need, injected by each edge (Lambda, gateway, local runtime). */
export interface Deps {
  config: Config;
  clock: Clock;
  sessions: SessionStore;
  timelines: TimelineStore;
  groups: GroupStore;
  ids: IdAllocator;
  queue: JobQueue;
  delivery: Delivery;
  offline: OfflineNotifier;
}

/** The caller of a request: an authenticated user on one connection. */
export interface Caller {
  uid: string;
  connectionId?: string;
}

/** Epoch seconds at which an item stored now expires under the retention setting. */
export function retentionExpiry(deps: Pick<Deps, 'clock' | 'config'>): number {
  return Math.floor(deps.clock.now() / 1000) + deps.config.EDGEIM_RETENTION_DAYS * 86_400;
}
