import type { Deps } from './deps.js';
import { StoreTimeoutError } from '../errors.js';
import type { ConnectionRef } from './model.js';

/** What one delivery pass reported: connections gone, and the gateway endpoints found unreachable. */
export interface GoneReport {
  gone: readonly ConnectionRef[];
  unreachable: readonly string[];
}

type FenceDeps = Pick<Deps, 'sessions' | 'clock' | 'settings'>;

/**
 * The connections whose sessions the job may now remove, after fencing every gateway
 * endpoint it found unreachable (SessionStore fences: the task, if it is alive after all,
 * closes those connections with RESYNC and its clients reconnect and sync).
 *
 * A session is removed only under a recorded fence: when an endpoint's fence cannot be
 * written within `settings.deliveryTimeoutMs`, its connections are kept (a dead task's
 * stay until a later delivery finds it dead again; a live task's keep being reached)
 * rather than removed with no way back. Connections elsewhere that answered 410 Gone are
 * removed as before. The fences are written in parallel, one write each, so the job's time budget
 * grows by one bounded write, not one per endpoint.
 */
export async function fenceUnreachable(deps: FenceDeps, report: GoneReport, warn: (message: string, extra: Record<string, unknown>) => void): Promise<string[]> {
  const now = deps.clock.now();
  const expiresAt = Math.floor(now / 1000) + deps.settings.sessionTtlSeconds; // no session of the task outlives it
  const timeoutMs = deps.settings.deliveryTimeoutMs;
  const unfenced = new Set<string>();
  await Promise.all(
    report.unreachable.map(async (endpoint) => {
      try {
        await withTimeout(deps.sessions.fenceEndpoint(endpoint, now, expiresAt), timeoutMs);
      } catch (err) {
        unfenced.add(endpoint);
        warn('could not fence an unreachable gateway task; its sessions are kept', { endpoint, err });
      }
    }),
  );
  const ids = new Set<string>();
  for (const ref of report.gone) {
    if (unfenced.has(ref.endpoint) && ref.kind === 'gateway') continue;
    ids.add(ref.connectionId);
  }
  return [...ids];
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeoutError(`no answer within ${ms} ms`, ms)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
