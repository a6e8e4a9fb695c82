import { describe, expect, it } from 'vitest';
import { DynamoSessionStore } from '../../shared/aws/dynamo-session-store.js';
import type { Session } from '../../shared/domain/model.js';
import type { SessionStore } from '../../shared/domain/ports/session-store.js';
import { MemorySessionStore } from '../../shared/memory/memory-session-store.js';
import { startDynalite } from '../helpers/dynalite.js';
import { gatewaySessionLayer } from './gateway-session-layer.js';
import { memoryAndDynamo, useImplementation, type Implementation, type Opened } from './implementations.js';

const NOW = 1_800_000_000_000;
/** Where the sessions of the suite running now are held (a gateway task's layer holds only its own). */
let heldBy: Pick<Session, 'endpoint' | 'kind'> = { endpoint: 'http://endpoint', kind: 'apigw' };
const session = (id: string, uid: string, expiresAt = NOW / 1000 + 3600): Session => ({
  connectionId: id,
  uid,
  ...heldBy,
  device: `dev-${id}`,
  platform: 'web',
  rooms: [],
  connectedAt: NOW,
  expiresAt,
});

const EXPIRED_ON_READ = 'ignores expired sessions on every read, and renew moves the expiry';
const EXPIRED_EVERYWHERE = 'every read skips an expired session: by user, room members and counts, push-all pages, live totals';
const EXPIRED_JOIN = 'joinRoom and leaveRoom treat an expired session as unknown: undefined, nothing joined';
const PUT_REPLACES = 'putting the same connection id again (its holder: same uid and rooms) replaces the session: one routing item, one room membership';
const JOIN_RETURNS_SESSION = 'joinRoom and leaveRoom return the session as get reads it';

/** `heldBy`: the endpoint and kind of the connections given to the store (a gateway task's layer holds only its own); API Gateway's when absent. */
type OpenedSessions = Opened<SessionStore> & { heldBy?: Pick<Session, 'endpoint' | 'kind'> };

const [memory, dynamo] = memoryAndDynamo<SessionStore>(
  () => new MemorySessionStore(),
  (d) => new DynamoSessionStore(d.db, d.config.EDGEIM_SESSIONS_TABLE, 3),
);
const implementations: Implementation<SessionStore, OpenedSessions>[] = [
  memory!,
  dynamo!,
  {
    name: "the gateway's session layer over memory",
    open: async () => ({ ...gatewaySessionLayer(new MemorySessionStore()), close: async () => undefined }),
  },
];

/** The SessionStore contract (ports/session-store.ts), run against every implementation. */
describe.each(implementations)('SessionStore contract: $name', (impl) => {
  let store: SessionStore;
  const contract = useImplementation(impl, (o) => {
    store = o.store;
    heldBy = o.heldBy ?? { endpoint: 'http://endpoint', kind: 'apigw' };
  });

  contract('put makes a session visible by connection and by user', async () => {
    await store.put(session('c1', 'u1'));
    await store.put(session('c2', 'u1'));
    expect(await store.get('c1', NOW)).toMatchObject({ uid: 'u1', device: 'dev-c1', rooms: [] });
    expect((await store.byUser('u1', NOW)).map((r) => r.connectionId).sort()).toEqual(['c1', 'c2']);
    expect(await store.byUser('nobody', NOW)).toEqual([]);
  });

  contract(EXPIRED_ON_READ, async () => {
    await store.put(session('old', 'u2', NOW / 1000 - 1));
    expect(await store.get('old', NOW)).toBeUndefined();
    expect(await store.byUser('u2', NOW)).toEqual([]);
    await store.renew({ ...session('old', 'u2'), expiresAt: NOW / 1000 + 60 });
    expect(await store.get('old', NOW)).toBeDefined();
    expect(await store.byUser('u2', NOW)).toHaveLength(1);
  });

  contract('rooms: join is idempotent, several rooms per connection, counts and members, leave', async () => {
    await store.put(session('r1', 'u3'));
    await store.put(session('r2', 'u4'));
    await store.joinRoom('r1', 'a', NOW);
    await store.joinRoom('r1', 'a', NOW);
    await store.joinRoom('r1', 'b', NOW);
    await store.joinRoom('r2', 'a', NOW);
    expect((await store.get('r1', NOW))?.rooms).toEqual(['a', 'b']);
    expect(await store.roomCount('a', NOW)).toBe(2);
    expect((await store.roomMembers('a', NOW)).map((r) => r.connectionId).sort()).toEqual(['r1', 'r2']);
    expect((await store.leaveRoom('r1', 'a', NOW))?.rooms).toEqual(['b']);
    expect(await store.roomCount('a', NOW)).toBe(1);
    expect(await store.joinRoom('missing', 'a', NOW)).toBeUndefined();
  });

  contract('rooms: a join past maxRooms changes nothing and returns the session without that room; a room already joined still is', async () => {
    await store.put(session('cap1', 'u-cap'));
    for (const rid of ['c1', 'c2', 'c3']) expect((await store.joinRoom('cap1', rid, NOW, 3))?.rooms).toContain(rid);
    const refused = await store.joinRoom('cap1', 'c4', NOW, 3);
    expect(refused?.rooms).toEqual(['c1', 'c2', 'c3']);
    expect(await store.roomCount('c4', NOW)).toBe(0);
    expect((await store.joinRoom('cap1', 'c2', NOW, 3))?.rooms).toEqual(['c1', 'c2', 'c3']);
    await store.leaveRoom('cap1', 'c1', NOW);
    expect((await store.joinRoom('cap1', 'c4', NOW, 3))?.rooms).toEqual(['c2', 'c3', 'c4']);
    expect(await store.joinRoom('missing', 'c1', NOW, 3)).toBeUndefined();
  });

  contract('rooms named like Object.prototype members count like any other (constructor, __proto__, toString, hasOwnProperty)', async () => {
    const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
    await store.put({ ...session('proto1', 'u-proto'), rooms: names });
    await store.put({ ...session('proto2', 'u-proto'), rooms: ['__proto__', 'constructor'] });
    const counts = await store.liveCounts(NOW);
    expect(Object.fromEntries(names.map((n) => [n, counts.rooms.get(n)]))).toEqual({ constructor: 2, ['__proto__']: 2, toString: 1, hasOwnProperty: 1, valueOf: 1 });
    for (const n of names) expect(await store.roomCount(n, NOW)).toBe(n === '__proto__' || n === 'constructor' ? 2 : 1);
    await store.remove('proto1');
    await store.remove('proto2');
    expect((await store.liveCounts(NOW)).rooms.get('__proto__')).toBeUndefined();
  });

  contract('fences: the later time wins, an earlier one never replaces it; cleared only while it holds the time; expired ones read as none', async () => {
    const ep = 'http://10.0.0.9:3180';
    expect(await store.endpointFence(ep, NOW)).toBeUndefined();
    await store.fenceEndpoint(ep, NOW, NOW / 1000 + 600);
    await store.fenceEndpoint(ep, NOW - 5000, NOW / 1000 + 600);
    expect(await store.endpointFence(ep, NOW)).toBe(NOW);
    await store.fenceEndpoint(ep, NOW, NOW / 1000 + 600); // idempotent
    await store.fenceEndpoint(ep, NOW + 1000, NOW / 1000 + 600);
    await store.clearFence(ep, NOW); // a task that saw the older fence does not clear the newer one
    expect(await store.endpointFence(ep, NOW)).toBe(NOW + 1000);
    await store.clearFence(ep, NOW + 1000);
    expect(await store.endpointFence(ep, NOW)).toBeUndefined();
    await store.fenceEndpoint(ep, NOW - 60_000, NOW / 1000 - 1);
    expect(await store.endpointFence(ep, NOW)).toBeUndefined(); // expired
    await store.fenceEndpoint(ep, NOW + 2000, NOW / 1000 + 600);
    expect(await store.endpointFence(ep, NOW)).toBe(NOW + 2000);
    expect(await store.endpointFence('http://10.0.0.10:3180', NOW)).toBeUndefined();
    const live = await store.liveCounts(NOW);
    expect(live.rooms.has(`fence#${ep}`)).toBe(false);
  });

  contract('remove deletes the session, its routing and its rooms, and is idempotent', async () => {
    await store.put(session('x1', 'u5'));
    await store.joinRoom('x1', 'z', NOW);
    expect((await store.remove('x1'))?.uid).toBe('u5');
    expect(await store.get('x1', NOW)).toBeUndefined();
    expect(await store.byUser('u5', NOW)).toEqual([]);
    expect(await store.roomCount('z', NOW)).toBe(0);
    expect(await store.remove('x1')).toBeUndefined();
  });

  contract('put with rooms makes the connection a member of them in the same write; remove with the known session needs no read', async () => {
    await store.put({ ...session('k1', 'u6'), rooms: ['auth-room'] });
    expect(await store.roomCount('auth-room', NOW)).toBe(1);
    expect((await store.roomMembers('auth-room', NOW)).map((r) => r.connectionId)).toEqual(['k1']);
    const known = (await store.get('k1', NOW))!;
    expect(await store.remove('k1', known)).toEqual(known);
    expect(await store.get('k1', NOW)).toBeUndefined();
    expect(await store.byUser('u6', NOW)).toEqual([]);
    expect(await store.roomCount('auth-room', NOW)).toBe(0);
  });

  contract('takes a burst of concurrent writes: every caller settles and sees its own write', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `burst-${i}`);
    await Promise.all(ids.map((id, i) => store.put({ ...session(id, `bu-${i % 7}`), rooms: ['burst-room'] })));
    expect(await store.roomCount('burst-room', NOW)).toBe(300);
    const counts = await Promise.all(Array.from({ length: 20 }, () => store.roomCount('burst-room', NOW)));
    expect(new Set(counts)).toEqual(new Set([300]));
    await Promise.all(ids.slice(0, 100).map((id) => store.remove(id)));
    expect(await store.roomCount('burst-room', NOW)).toBe(200);
    expect((await store.byUser('bu-0', NOW)).length).toBe(ids.slice(100).filter((_, i) => (i + 100) % 7 === 0).length);
    await Promise.all(ids.slice(100).map((id) => store.remove(id)));
    expect(await store.roomCount('burst-room', NOW)).toBe(0);
  });

  contract('scanLive pages through every live connection; liveCounts totals connections, users and rooms', async () => {
    const before = await store.liveCounts(NOW);
    await store.put(session('s1', 'scan-a'));
    await store.put(session('s2', 'scan-a'));
    await store.put(session('s3', 'scan-b'));
    await store.put(session('s-dead', 'scan-c', NOW / 1000 - 1));
    await store.joinRoom('s1', 'scan-room', NOW);
    await store.joinRoom('s3', 'scan-room', NOW);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.scanLive(NOW, { limit: 2, cursor });
      expect(page.refs.length).toBeLessThanOrEqual(2);
      seen.push(...page.refs.map((r) => r.connectionId));
      cursor = page.cursor;
      pages++;
    } while (cursor && pages < 100);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(['s1', 's2', 's3']));
    expect(seen).not.toContain('s-dead');
    expect(seen).toHaveLength(before.connections + 3);

    const after = await store.liveCounts(NOW);
    expect(after.connections).toBe(before.connections + 3);
    expect(after.users).toBe(before.users + 2);
    expect(after.rooms.get('scan-room')).toBe(2);
  });

  contract(EXPIRED_EVERYWHERE, async () => {
    const before = await store.liveCounts(NOW);
    await store.put({ ...session('exp-1', 'u-exp', NOW / 1000 - 1), rooms: ['exp-room'] });
    await store.put({ ...session('exp-2', 'u-exp'), rooms: ['exp-room'] });
    expect((await store.byUser('u-exp', NOW)).map((r) => r.connectionId)).toEqual(['exp-2']);
    expect((await store.roomMembers('exp-room', NOW)).map((r) => r.connectionId)).toEqual(['exp-2']);
    expect(await store.roomCount('exp-room', NOW)).toBe(1);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.scanLive(NOW, { limit: 1, cursor });
      expect(page.refs.length).toBeLessThanOrEqual(1);
      seen.push(...page.refs.map((r) => r.connectionId));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toContain('exp-2');
    expect(seen).not.toContain('exp-1');
    const after = await store.liveCounts(NOW);
    expect(after.connections).toBe(before.connections + 1);
    expect(after.rooms.get('exp-room')).toBe(1);
    // the same session read after its expiry is gone everywhere
    const later = NOW + 7200_000;
    expect(await store.byUser('u-exp', later)).toEqual([]);
    expect(await store.roomCount('exp-room', later + 1)).toBe(0);
    expect(await store.get('exp-2', later)).toBeUndefined();
  });

  contract(EXPIRED_JOIN, async () => {
    await store.put(session('exp-join', 'u-exp-join', NOW / 1000 - 1));
    expect(await store.joinRoom('exp-join', 'exp-join-room', NOW)).toBeUndefined();
    expect(await store.leaveRoom('exp-join', 'exp-join-room', NOW)).toBeUndefined();
    await store.renew(session('exp-join', 'u-exp-join'));
    expect((await store.get('exp-join', NOW))?.rooms).toEqual([]);
  });

  contract('leaveRoom of a room not joined returns the session unchanged', async () => {
    await store.put({ ...session('lv1', 'u-lv'), rooms: ['kept'] });
    expect((await store.leaveRoom('lv1', 'never-joined', NOW))?.rooms).toEqual(['kept']);
    expect(await store.leaveRoom('lv-missing', 'kept', NOW)).toBeUndefined();
  });

  contract(PUT_REPLACES, async () => {
    await store.put({ ...session('re1', 'u-re'), rooms: ['re-room'] });
    await store.put({ ...session('re1', 'u-re'), rooms: ['re-room'], accepts: [1000] });
    expect((await store.get('re1', NOW))?.accepts).toEqual([1000]);
    expect((await store.byUser('u-re', NOW)).map((r) => r.connectionId)).toEqual(['re1']);
    expect((await store.roomMembers('re-room', NOW)).map((r) => r.connectionId)).toEqual(['re1']);
    expect(await store.roomCount('re-room', NOW)).toBe(1);
    expect((await store.liveCounts(NOW)).rooms.get('re-room')).toBe(1);
  });

  contract(JOIN_RETURNS_SESSION, async () => {
    await store.put({ ...session('js1', 'u-js'), accepts: [1000, 1001] });
    const joined = await store.joinRoom('js1', 'js-room', NOW);
    expect(joined).toEqual(await store.get('js1', NOW));
    expect(joined).toEqual({ ...session('js1', 'u-js'), accepts: [1000, 1001], rooms: ['js-room'] });
    expect(await store.leaveRoom('js1', 'js-room', NOW)).toEqual({ ...session('js1', 'u-js'), accepts: [1000, 1001], rooms: [] });
  });

  contract('a session read back is a copy: changing it changes nothing stored', async () => {
    await store.put({ ...session('cp1', 'u-cp'), rooms: ['cp-room'] });
    const read = (await store.get('cp1', NOW))!;
    read.rooms.push('not-joined');
    read.uid = 'someone-else';
    expect(await store.get('cp1', NOW)).toMatchObject({ uid: 'u-cp', rooms: ['cp-room'] });
  });
});

describe('DynamoSessionStore under a burst', () => {
  it('coalesces the session writes of many connections into BatchWriteItem calls of up to 25 items', async () => {
    const d = await startDynalite();
    try {
      const store = new DynamoSessionStore(d.db, d.config.EDGEIM_SESSIONS_TABLE, 3);
      await Promise.all(Array.from({ length: 500 }, (_, i) => store.put({ ...session(`c-${i}`, `u-${i}`), rooms: ['lobby'] })));
      expect(store.writer.stats.items).toBe(1500); // session + user routing + room, per connection
      expect(store.writer.stats.calls).toBeLessThanOrEqual(1500 / 25 + 16); // not one call (or more) per connection
      expect(await store.roomCount('lobby', NOW)).toBe(500);
    } finally {
      await d.close();
    }
});
});
