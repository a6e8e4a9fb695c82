import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/bundling.js';
import { CONTEXT_KEYS } from '../../infra/context.js';
import { resolveProps } from '../../infra/defaults.js';
import { gatewayTimings, TLS_IDLE_TIMEOUT_SECONDS } from '../../infra/timeouts.js';

const doc = readFileSync(path.join(REPO_ROOT, 'docs/DEPLOY.md'), 'utf8');
/** The value cell of a row of the Timeouts table, by its first cell. */
const row = (name: string) => {
  const line = doc.split('\n').find((l) => l.startsWith(`| ${name} |`));
  if (!line) throw new Error(`docs/DEPLOY.md has no row "${name}"`);
  return line.split('|')[2]!.trim();
};

describe('docs/DEPLOY.md says what the stack does', () => {
  it('the Timeouts table shows the default stack\'s values', () => {
    const s = resolveProps();
    const t = gatewayTimings(s.gateway.heartbeatTimeoutSeconds, s.gateway.drainSeconds);
    expect(row('gateway heartbeat timeout')).toBe(`${t.heartbeatTimeoutSeconds} s`);
    expect(row('heartbeat interval in AuthReply')).toBe(`${t.authReplyHeartbeatSeconds} s`);
    expect(row('heartbeat told by `/goim/nodes/*`')).toBe(`${t.nodesHeartbeatSeconds} s × ${t.nodesHeartbeatMax}`);
    expect(row('NLB TLS listener idle timeout')).toBe(`${TLS_IDLE_TIMEOUT_SECONDS} s`);
    expect(row('NLB TCP listener idle timeout')).toBe(`${t.tcpIdleTimeoutSeconds} s`);
    expect(row('NLB deregistration delay')).toBe(`${t.deregistrationDelaySeconds} s`);
    expect(row('NLB connection termination')).toBe('off');
    expect(row('gateway drain')).toBe(`${t.drainSeconds} s`);
    expect(row('container stop timeout')).toBe(`${t.stopTimeoutSeconds} s`);
    expect(row('fan-out job (Lambda)')).toBe(`${s.job.timeoutSeconds} s`);
    expect(row('job queue visibility timeout')).toBe(`${6 * s.job.timeoutSeconds} s`);
  });

  it('lists every context key', () => {
    for (const key of CONTEXT_KEYS) expect(doc, key).toContain(`| \`${key}\` |`);
  });
});
