import { describe, expect, it } from 'vitest';
import { ConnectionTable } from '../../gateway/connection-table.js';
import { domainSettings, type Config } from '../../shared/config.js';
import type { Session } from '../../shared/domain/model.js';
import type { SessionStore } from '../../shared/domain/ports/session-store.js';
import { systemClock } from '../../shared/domain/ports/clock.js';
import { useDynaliteSessions } from '../helpers/dynalite.js';
import { authOf, TABLE_OPTIONS, TestChannel } from '../helpers/test-channel.js';


const TTL = 600;

/**
 * The gateway renews a held connection's session half way to its expiry (sweep). When
 * that write fails, the store's session still expires at the old time: the session layer
 * must then answer `get` from the store (GatewaySessions.get: "past its expiry (a renewal
 * failed) the store answers"), and the next sweep must try again ("a failed write is
 * logged; the next sweep retries"). Both read the channel's expiry, which renew moved
 * forward before the write and kept there after it failed: the sweep did not retry for
 * half a ttl, and the connection answered from memory as live while the store had
 * dropped it (no inbox or room delivery reaches it meanwhile).
 */
describe('a failed session renewal on the gateway', () => {
  const sessions = useDynaliteSessions();

  it('leaves the channel with the expiry the store holds: the next sweep retries, and get answers from the store past it', async () => {
    let failRenew = false;
    const store: SessionStore = Object.assign(Object.create(sessions.store) as SessionStore, {
      renew: (s: Session) => (failRenew ? Promise.reject(new Error('throttled')) : sessions.store.renew(s)),
    });
    const warnings: string[] = [];
    const t = new ConnectionTable(
      { ...TABLE_OPTIONS, sessionTtlSeconds: TTL },
      { store, clock: systemClock, settings: domainSettings(sessions.d.config as Config), fencedBefore: () => 0, deliver: () => true, warn: (m) => void warnings.push(m) },
    );
    t.listenAt('http://task-r');
    const ch = new TestChannel();
    t.accept(ch);
    expect((await t.open(ch, authOf('renew-ann'), undefined)).open).toBe(true);
    const stored = ch.expiresAt;

    failRenew = true;
    t.renew(ch, Date.now() + (TTL / 2 + 10) * 1000); // the sweep, half way
    while (warnings.length === 0) await new Promise((r) => setImmediate(r));
    expect(warnings).toEqual(['could not renew gateway session']);
    expect(ch.expiresAt).toBe(stored); // what the store holds: the next sweep sees it due and renews

    const pastStoredExpiry = stored * 1000 + 1000;
    expect(await t.sessions.get(ch.id, pastStoredExpiry)).toBeUndefined();

    failRenew = false;
    t.renew(ch, pastStoredExpiry - 2000); // the next sweep's renewal goes through
    expect(ch.expiresAt).toBeGreaterThan(stored);
    await t.sessions.renew({ ...(t.session(ch.id) as Session) }); // settles after the sweep's write (one writer, in order)
    expect(await t.sessions.get(ch.id, pastStoredExpiry)).toMatchObject({ connectionId: ch.id, uid: 'renew-ann' });
  });
});
