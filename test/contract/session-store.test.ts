import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSessionStore } from '../../shared/aws/dynamo-session-store.js';
import type { Session } from '../../shared/domain/model.js';
import type { SessionStore } from '../../shared/domain/ports/session-store.js';
import { startDynalite } from '../helpers/dynalite.js';

const NOW = 1_800_000_000_000;
const session = (id: string, uid: string, expiresAt = NOW / 1000 + 3600): Session => ({
  connectionId: id,
  uid,
  endpoint: 'http://endpoint',
  kind: 'apigw',
  device: `dev-${id}`,
  platform: 'web',
  rooms: [],
  connectedAt: NOW,
  expiresAt,
});

/** The SessionStore contract (ports/session-store.ts), run against an implementation. */
function sessionStoreContract(name: string, make: () => Promise<{ store: SessionStore; close(): Promise<void> }>) {
  describe(`SessionStore contract: ${name}`, () => {
    let store: SessionStore;
    let close: () => Promise<void>;
    beforeAll(async () => ({ store, close } = await make()));
    afterAll(() => close());

    it('put makes a session visible by connection and by user', async () => {
      await store.put(session('c1', 'u1'));
      await store.put(session('c2', 'u1'));
      expect(await store.get('c1', NOW)).toMatchObject({ uid: 'u1', device: 'dev-c1', rooms: [] });
      expect((await store.byUser('u1', NOW)).map((r) => r.connectionId).sort()).toEqual(['c1', 'c2']);
      expect(await store.byUser('nobody', NOW)).toEqual([]);
    });

    it('ignores expired sessions on every read, and renew moves the expiry', async () => {
      await store.put(session('old', 'u2', NOW / 1000 - 1));
      expect(await store.get('old', NOW)).toBeUndefined();
      expect(await store.byUser('u2', NOW)).toEqual([]);
      await store.renew({ ...session('old', 'u2'), expiresAt: NOW / 1000 + 60 });
      expect(await store.get('old', NOW)).toBeDefined();
      expect(await store.byUser('u2', NOW)).toHaveLength(1);
    });

    it('rooms: join is idempotent, several rooms per connection, counts and members, leave', async () => {
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

    it('remove deletes the session, its routing and its rooms, and is idempotent', async () => {
      await store.put(session('x1', 'u5'));
      await store.joinRoom('x1', 'z', NOW);
      expect((await store.remove('x1'))?.uid).toBe('u5');
      expect(await store.get('x1', NOW)).toBeUndefined();
      expect(await store.byUser('u5', NOW)).toEqual([]);
      expect(await store.roomCount('z', NOW)).toBe(0);
      expect(await store.remove('x1')).toBeUndefined();
    });

    it('put with rooms makes the connection a member of them in the same write; remove with the known session needs no read', async () => {
      await store.put({ ...session('k1', 'u6'), rooms: ['auth-room'] });
      expect(await store.roomCount('auth-room', NOW)).toBe(1);
      expect((await store.roomMembers('auth-room', NOW)).map((r) => r.connectionId)).toEqual(['k1']);
      const known = (await store.get('k1', NOW))!;
      expect(await store.remove('k1', known)).toEqual(known);
      expect(await store.get('k1', NOW)).toBeUndefined();
      expect(await store.byUser('u6', NOW)).toEqual([]);
      expect(await store.roomCount('auth-room', NOW)).toBe(0);
    });

    it('takes a burst of concurrent writes: every caller settles and sees its own write', async () => {
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

    it('scanLive pages through every live connection; liveCounts totals connections, users and rooms', async () => {
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
      expect(after.rooms['scan-room']).toBe(2);
    });
  });
}

sessionStoreContract('DynamoDB (dynalite)', async () => {
  const d = await startDynalite();
  return { store: new DynamoSessionStore(d.db, d.config.EDGEIM_SESSIONS_TABLE, 3), close: d.close };
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
