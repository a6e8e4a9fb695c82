import { describe, expect, it } from 'vitest';
import { DynamoGroupStore } from '../../shared/aws/dynamo-group-store.js';
import type { GroupStore } from '../../shared/domain/ports/group-store.js';
import { MemoryGroupStore } from '../../shared/memory/memory-group-store.js';
import { memoryAndDynamo, useImplementation } from './implementations.js';

const implementations = memoryAndDynamo<GroupStore>(
  () => new MemoryGroupStore(),
  (d) => new DynamoGroupStore(d.db, d.config.EDGEIM_GROUPS_TABLE),
);

/** The GroupStore contract (shared/domain/ports/group-store.ts), run against every implementation. */
describe.each(implementations)('GroupStore contract: $name', (impl) => {
  let store: GroupStore;
  useImplementation(impl, (o) => (store = o.store));

  it('creates once, with members and an exact count', async () => {
    expect(await store.create({ gid: 'g1', name: 'G', owner: 'o', createdAt: 1 }, ['o', 'a', 'a'])).toBe(true);
    expect(await store.create({ gid: 'g1', name: 'G2', owner: 'x', createdAt: 2 }, [])).toBe(false);
    expect(await store.get('g1')).toEqual({ gid: 'g1', name: 'G', owner: 'o', createdAt: 1, memberCount: 2 });
    expect((await store.members('g1')).sort()).toEqual(['a', 'o']);
    expect(await store.groupsOf('a')).toEqual(['g1']);
    expect(await store.get('missing')).toBeUndefined();
  });

  it('reads a group\'s creation time with its members in one roster; none for a missing group', async () => {
    await store.create({ gid: 'rost', name: 'R', createdAt: 11 }, ['r1', 'r2']);
    const roster = await store.roster('rost', 'eventual');
    expect({ ...roster, members: roster.members.sort() }).toEqual({ createdAt: 11, members: ['r1', 'r2'] });
    expect(await store.roster('missing')).toEqual({ members: [] });
  });

  it('keeps the timeline base a group was created with', async () => {
    await store.create({ gid: 'again', name: 'again', createdAt: 5, timelineBase: 7 }, []);
    expect(await store.get('again')).toEqual({ gid: 'again', name: 'again', createdAt: 5, memberCount: 0, timelineBase: 7 });
  });

  it('adds and removes members idempotently', async () => {
    await store.addMembers('g1', ['b', 'b', 'a'], 3);
    await store.removeMembers('g1', ['a', 'a', 'zz']);
    expect((await store.get('g1'))?.memberCount).toBe(2);
    expect(await store.isMember('g1', 'a')).toBe(false);
    expect(await store.isMember('g1', 'b')).toBe(true);
    expect(await store.groupsOf('a')).toEqual([]);
  });

  it('lists and counts a 120-member group', async () => {
    const many = Array.from({ length: 120 }, (_, i) => `m${i}`);
    await store.create({ gid: 'big', name: 'big', owner: 'm0', createdAt: 1 }, many);
    expect((await store.members('big')).length).toBe(120);
    expect((await store.get('big'))?.memberCount).toBe(120);
  });

  it('delete removes the group, members and links', async () => {
    await store.delete('g1');
    expect(await store.get('g1')).toBeUndefined();
    expect(await store.members('g1')).toEqual([]);
    expect(await store.groupsOf('b')).toEqual([]);
  });
});
