import { describe, expect, it } from 'vitest';
import { fenceUnreachable } from '../../shared/domain/endpoint-fence.js';
import type { ConnectionRef } from '../../shared/domain/model.js';
import { domainSettings, loadConfig } from '../../shared/config.js';

const NOW = 1_800_000_000_000;
const ref = (connectionId: string, endpoint: string, kind: ConnectionRef['kind'] = 'gateway'): ConnectionRef => ({ connectionId, uid: 'u', endpoint, kind });

function deps(fence: (endpoint: string, atMs: number, expiresAt: number) => Promise<void>) {
  const settings = domainSettings(loadConfig({ EDGEIM_DELIVERY_TIMEOUT_MS: '200' }));
  return { settings, clock: { now: () => NOW }, sessions: { fenceEndpoint: fence } as never };
}

describe('fenceUnreachable (the job, before removing an unreachable task\'s sessions)', () => {
  it('fences each unreachable endpoint once, at the time it gave up, for as long as a session lives; then every gone session may go', async () => {
    const calls: [string, number, number][] = [];
    const d = deps(async (e, at, exp) => void calls.push([e, at, exp]));
    const ids = await fenceUnreachable(d, { gone: [ref('a', 'http://t1'), ref('b', 'http://t1'), ref('c', 'https://api', 'apigw'), ref('a', 'http://t1')], unreachable: ['http://t1'] }, () => undefined);
    expect(ids.sort()).toEqual(['a', 'b', 'c']);
    expect(calls).toEqual([['http://t1', NOW, NOW / 1000 + d.settings.sessionTtlSeconds]]);
  });

  it('keeps the sessions of a task whose fence could not be written (refused, or no answer in time): never removed without a way back', async () => {
    const warnings: string[] = [];
    const d = deps(async (e) => {
      if (e === 'http://broken') throw new Error('ProvisionedThroughputExceededException');
      if (e === 'http://silent') await new Promise(() => undefined);
    });
    const report = {
      gone: [ref('x', 'http://broken'), ref('y', 'http://silent'), ref('z', 'http://fine'), ref('w', 'http://reachable')],
      unreachable: ['http://broken', 'http://silent', 'http://fine'],
    };
    expect(await fenceUnreachable(d, report, (m, extra) => warnings.push(`${m} ${String(extra.endpoint)}`))).toEqual(['z', 'w']);
    expect(warnings.sort()).toEqual([
      'could not fence an unreachable gateway task; its sessions are kept http://broken',
      'could not fence an unreachable gateway task; its sessions are kept http://silent',
    ]);
  });
});
