import { domainSettings, type Config } from '../config.js';
import type { Deps } from '../domain/deps.js';
import { IdAllocator } from '../domain/id-allocator.js';
import { ManualClock } from './manual-clock.js';
import { MemoryDelivery } from './memory-delivery.js';
import { MemoryGroupStore } from './memory-group-store.js';
import { MemoryIdRangeStore } from './memory-id-range-store.js';
import { MemoryIdempotencyStore } from './memory-idempotency-store.js';
import { MemoryJobQueue } from './memory-job-queue.js';
import { MemoryOfflineNotifier } from './memory-offline-notifier.js';
import { MemorySessionStore } from './memory-session-store.js';
import { MemoryTimelineStore } from './memory-timeline-store.js';

/** The domain deps on memory stores, each typed as its memory class so a test can look inside. */
export interface MemoryDeps extends Deps {
  clock: ManualClock;
  sessions: MemorySessionStore;
  timelines: MemoryTimelineStore;
  groups: MemoryGroupStore;
  queue: MemoryJobQueue;
  delivery: MemoryDelivery;
  offline: MemoryOfflineNotifier;
  idempotency: MemoryIdempotencyStore;
}

/**
 * Every port of the domain (shared/domain/ports) on its memory implementation, with a
 * ManualClock every store that keeps time reads: the domain's rules run in one process,
 * with no emulator, and time moves only when the test moves it.
 */
export function memoryDeps(config: Config, clock = new ManualClock()): MemoryDeps {
  return {
    settings: domainSettings(config),
    clock,
    sessions: new MemorySessionStore(),
    timelines: new MemoryTimelineStore(),
    groups: new MemoryGroupStore(),
    ids: new IdAllocator(new MemoryIdRangeStore(), 'msg', config.EDGEIM_ID_STEP),
    queue: new MemoryJobQueue(clock),
    delivery: new MemoryDelivery(),
    offline: new MemoryOfflineNotifier(),
    idempotency: new MemoryIdempotencyStore(() => Math.floor(clock.now() / 1000)),
  };
}
