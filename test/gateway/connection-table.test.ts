import { describe, expect, it } from 'vitest';
import { Channel, ChannelState } from '../../gateway/channel.js';
import { ConnectionTable } from '../../gateway/connection-table.js';
import { SessionStoreError } from '../../gateway/errors.js';
import { textPacket, type OutPacket } from '../../gateway/frame-packets.js';
import { GatewaySessions, NO_HELD_CONNECTIONS } from '../../gateway/gateway-sessions.js';
import { domainSettings, type Config } from '../../shared/config.js';
import type { SessionStore } from '../../shared/domain/ports/session-store.js';
import { systemClock } from '../../shared/domain/ports/clock.js';
import { useDynaliteSessions } from '../helpers/dynalite.js';
import { authOf, TABLE_OPTIONS, TestChannel } from '../helpers/test-channel.js';

/**
 * The connection table (connections, rooms, sessions of one task) and the session layer
 * over a real sessions store (DynamoDB on dynalite). Channels are in-memory: what the
 * table cares about is their state, not their sockets.
 */


const PACKETS: OutPacket[] = [{ buf: textPacket(1000, 'hi'), filterOp: 0 }];

const sessions = useDynaliteSessions();

/** A table over `store` (the real one unless given), recording deliveries and warnings. */
function table(options: Partial<{ store: SessionStore; fencedBefore: number }> = {}) {
  const delivered: Channel[] = [];
  const warnings: { message: string; extra: Record<string, unknown> }[] = [];
  const t = new ConnectionTable(TABLE_OPTIONS, {
    store: options.store ?? sessions.store,
    clock: systemClock,
    settings: domainSettings(sessions.d.config as Config),
    fencedBefore: () => options.fencedBefore ?? 0,
    deliver: (ch) => (ch.state === ChannelState.Open ? (delivered.push(ch), true) : false),
    warn: (message, extra) => warnings.push({ message, extra }),
  });
  t.listenAt('http://task-a');
  return { t, delivered, warnings };
}

async function opened(t: ConnectionTable, uid: string, room?: string): Promise<Channel> {
  const ch = new TestChannel();
  t.accept(ch);
  const outcome = await t.open(ch, authOf(uid), room);
  expect(outcome.open).toBe(true);
  return ch;
}

/** What the gateway does on close: state first, then the table. */
function close(t: ConnectionTable, ch: Channel): void {
  ch.state = ChannelState.Closing;
  t.close(ch);
}

describe('connection table', () => {
  it('open writes the session and registers the connection with its Auth room; close removes both', async () => {
    const { t, delivered } = table();
    const ch = await opened(t, 'ct-ann', 'live:ct1');
    expect(t.channel(ch.id)).toBe(ch);
    expect(t.counts).toMatchObject({ open: 1, transports: 1, rooms: 1 });
    expect(await sessions.store.get(ch.id, Date.now())).toMatchObject({ uid: 'ct-ann', endpoint: 'http://task-a', kind: 'gateway', rooms: ['live:ct1'] });
    expect(t.broadcastRoom('live:ct1', PACKETS, null)).toBe(1);
    expect(t.broadcastRoom('live:ct1', PACKETS, ch.id)).toBe(0);
    expect(delivered).toEqual([ch]);

    close(t, ch);
    t.transportClosed(ch);
    await t.removalsSettled();
    expect(t.channel(ch.id)).toBeUndefined();
    expect(t.counts).toEqual({ open: 0, transports: 0, removals: 0, rooms: 0 });
    expect(t.userConnections('ct-ann')).toBe(0);
    expect(await sessions.store.get(ch.id, Date.now())).toBeUndefined();
    expect(await sessions.store.roomCount('live:ct1', Date.now())).toBe(0);
  });

  it('joins and leaves through the session layer keep the channel and the room index in step; the rooms cap is answered from memory', async () => {
    let joins = 0;
    const counting: SessionStore = Object.assign(Object.create(sessions.store) as SessionStore, {
      joinRoom: (...a: Parameters<SessionStore['joinRoom']>) => (joins++, sessions.store.joinRoom(...a)),
    });
    const { t } = table({ store: counting });
    const ch = await opened(t, 'ct-bob');
    await t.sessions.joinRoom(ch.id, 'r:1', Date.now(), 2);
    await t.sessions.joinRoom(ch.id, 'r:2', Date.now(), 2);
    expect(ch.rooms).toEqual(['r:1', 'r:2']);
    expect(t.roomMembers('r:2')).toBe(1);
    const refused = await t.sessions.joinRoom(ch.id, 'r:3', Date.now(), 2);
    expect(refused?.rooms).toEqual(['r:1', 'r:2']);
    expect(joins).toBe(2); // the third never reached the store
    await t.sessions.leaveRoom(ch.id, 'r:1', Date.now());
    expect(ch.rooms).toEqual(['r:2']);
    expect(t.roomMembers('r:1')).toBe(0);
    expect(await t.sessions.get(ch.id, Date.now())).toMatchObject({ rooms: ['r:2'] }); // from memory, as the store has it
    expect((await sessions.store.get(ch.id, Date.now()))?.rooms).toEqual(['r:2']);
    close(t, ch);
    await t.removalsSettled();
  });

  it('a renewal and a room join of one connection are written one after the other: neither drops the other', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // The renewal's write is slow to land (a throttled batch), and a join comes meanwhile.
    const slowRenew: SessionStore = Object.assign(Object.create(sessions.store) as SessionStore, {
      renew: async (s: Parameters<SessionStore['renew']>[0]) => {
        await gate;
        return sessions.store.renew(s);
      },
    });
    const { t } = table({ store: slowRenew });
    const ch = await opened(t, 'ct-renew');
    t.renew(ch, Date.now() + 60_000);
    const joined = t.sessions.joinRoom(ch.id, 'r:renew', Date.now(), 10);
    await new Promise((r) => setTimeout(r, 20));
    release();
    await joined;
    await new Promise((r) => setTimeout(r, 50));
    const stored = await sessions.store.get(ch.id, Date.now());
    expect(stored?.rooms).toEqual(['r:renew']); // the renewal did not write the rooms it read before the join
    expect(stored!.expiresAt).toBe(ch.expiresAt); // and the join did not lose the renewal
    await t.sessions.leaveRoom(ch.id, 'r:renew', Date.now());
    expect(await sessions.store.roomCount('r:renew', Date.now())).toBe(0); // no membership left behind
    close(t, ch);
    await t.removalsSettled();
  });

  it('a join that lands after its connection closed is undone: no session, no membership left behind', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // The store takes the join, and its answer comes back only after the connection closed
    // (whose removal therefore did not know the room).
    const slow: SessionStore = Object.assign(Object.create(sessions.store) as SessionStore, {
      joinRoom: async (...a: Parameters<SessionStore['joinRoom']>) => {
        const session = await sessions.store.joinRoom(...a);
        await gate;
        return session;
      },
    });
    const { t } = table({ store: slow });
    const ch = await opened(t, 'ct-cid');
    const joining = t.sessions.joinRoom(ch.id, 'r:late', Date.now(), 10);
    for (let i = 0; i < 200 && (await sessions.store.roomCount('r:late', Date.now())) === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(await sessions.store.roomCount('r:late', Date.now())).toBe(1); // the store has the join
    close(t, ch);
    await t.removalsSettled();
    release();
    await joining;
    expect(await sessions.store.get(ch.id, Date.now())).toBeUndefined();
    expect(await sessions.store.roomCount('r:late', Date.now())).toBe(0);
    expect(ch.rooms).toEqual([]);
  });

  it('refuses, leaving nothing behind: a user past the per-user cap, a session written before a fence, a client gone meanwhile', async () => {
    const { t } = table();
    const a = await opened(t, 'ct-dee');
    const b = await opened(t, 'ct-dee');
    const third = new TestChannel();
    expect(await t.open(third, authOf('ct-dee'), undefined)).toEqual({ open: false, why: 'too-many-connections' });
    expect(t.userConnections('ct-dee')).toBe(2);
    for (const ch of [a, b]) close(t, ch);
    t.close(third);
    await t.removalsSettled();
    expect(await sessions.store.byUser('ct-dee', Date.now())).toEqual([]);

    const fenced = table({ fencedBefore: Number.MAX_SAFE_INTEGER });
    const f = new TestChannel();
    expect(await fenced.t.open(f, authOf('ct-eve'), 'r:f')).toEqual({ open: false, why: 'fenced' });
    await fenced.t.removalsSettled();
    expect(await sessions.store.byUser('ct-eve', Date.now())).toEqual([]);
    expect(fenced.t.channel(f.id)).toBeUndefined();

    const g = new TestChannel();
    const opening = t.open(g, authOf('ct-fay'), undefined);
    g.state = ChannelState.Closing; // the client left while its session was written
    t.close(g);
    expect(await opening).toEqual({ open: false, why: 'gone' });
    await t.removalsSettled();
    expect(await sessions.store.byUser('ct-fay', Date.now())).toEqual([]);
    expect(t.userConnections('ct-fay')).toBe(0);
  });

  it('a store that fails a removal is logged as a named SessionStoreError keeping the cause', async () => {
    const cause = new Error('store down');
    const failing: SessionStore = Object.assign(Object.create(sessions.store) as SessionStore, { remove: () => Promise.reject(cause) });
    const { t, warnings } = table({ store: failing });
    const ch = await opened(t, 'ct-gus');
    close(t, ch);
    await t.removalsSettled();
    expect(warnings).toHaveLength(1);
    const error = warnings[0]!.extra.error;
    expect(error).toBeInstanceOf(SessionStoreError);
    expect(error).toMatchObject({ code: 'INTERNAL', operation: 'remove', connectionId: ch.id, cause });
    await sessions.store.remove(ch.id);
  });

  it('rewriting a held session (its accepts) leaves the cached room count as it is', async () => {
    const { t } = table();
    const ch = await opened(t, 'ct-hal', 'r:acc');
    expect(await t.sessions.roomCount('r:acc', Date.now())).toBe(1);
    await t.setAccepts(ch, new Set([1000]));
    expect([...(ch.accepts ?? [])]).toEqual([1000]);
    expect(await t.sessions.roomCount('r:acc', Date.now())).toBe(1);
    expect((await sessions.store.get(ch.id, Date.now()))?.accepts).toEqual([1000]);
    close(t, ch);
    await t.removalsSettled();
  });
});

describe('session layer over a store alone', () => {
  it('passes joins of connections it does not hold through to the store (built from a store and NO_HELD_CONNECTIONS)', async () => {
    const layer = new GatewaySessions(sessions.store, NO_HELD_CONNECTIONS, 0);
    const now = Date.now();
    await layer.put({ connectionId: 'sl-1', uid: 'sl-u', endpoint: 'http://x', kind: 'gateway', device: 'd', platform: 'p', rooms: [], connectedAt: now, expiresAt: Math.floor(now / 1000) + 600 });
    expect((await layer.joinRoom('sl-1', 'r:sl', now, 10))?.rooms).toEqual(['r:sl']);
    expect((await layer.get('sl-1', now))?.rooms).toEqual(['r:sl']);
    expect(await layer.roomCount('r:sl', now)).toBe(1);
    await layer.remove('sl-1');
  });

  it('a task\'s layer passes joins of connections held elsewhere through as well (it undoes only its own closed ones)', async () => {
    const { t } = table();
    const now = Date.now();
    await sessions.store.put({ connectionId: 'sl-2', uid: 'sl-u', endpoint: 'http://task-b', kind: 'gateway', device: 'd', platform: 'p', rooms: [], connectedAt: now, expiresAt: Math.floor(now / 1000) + 600 });
    expect((await t.sessions.joinRoom('sl-2', 'r:sl2', now, 10))?.rooms).toEqual(['r:sl2']);
    expect((await sessions.store.get('sl-2', now))?.rooms).toEqual(['r:sl2']);
    await sessions.store.remove('sl-2');
  });
});
