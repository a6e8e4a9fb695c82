import { describe, expect } from 'vitest';
import { DynamoSessionStore } from '../../shared/aws/dynamo-session-store.js';
import type { SessionStore } from '../../shared/domain/ports/session-store.js';
import { toErrorBody } from '../../shared/errors.js';
import { MemorySessionStore } from '../../shared/memory/memory-session-store.js';
import { memoryAndDynamo, useImplementation } from '../contract/implementations.js';

/**
 * API Gateway runs a connection's requests in parallel: a client that leaves its rooms in
 * one burst has every leave racing the others. Leaving removes the room by its index in
 * the session's list, conditioned on it still being there, so each leave that lands
 * shifts the others: with three tries they failed as StoreContentionError, INTERNAL to
 * the client (and an error in the logs) for a request that was fine.
 */
describe.each(memoryAndDynamo<SessionStore>(() => new MemorySessionStore(), (d) => new DynamoSessionStore(d.db, d.config.EDGEIM_SESSIONS_TABLE, 3)))(
  'leaves of one connection at once: $name',
  (impl) => {
    let store: SessionStore;
    const contract = useImplementation(impl, (o) => (store = o.store));

    contract('all succeed, and the connection is in none of the rooms after', async () => {
      const now = Date.now();
      const rooms = Array.from({ length: 30 }, (_, i) => `burst${i}`);
      await store.put({ connectionId: 'burst-c', uid: 'burst-u', endpoint: 'https://e', kind: 'apigw', device: 'd', platform: 'web', rooms, connectedAt: now, expiresAt: Math.floor(now / 1000) + 600 });
      const outcomes = await Promise.allSettled(rooms.map((rid) => store.leaveRoom('burst-c', rid, now)));
      const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [toErrorBody(o.reason).code] : []));
      expect(failures).toEqual([]);
      expect((await store.get('burst-c', now))?.rooms).toEqual([]);
      for (const rid of rooms.slice(0, 3)) expect(await store.roomMembers(rid, now)).toEqual([]);
    });
  },
);
