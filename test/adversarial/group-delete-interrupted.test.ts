import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoGroupStore } from '../../shared/aws/dynamo-group-store.js';
import { DynamoTimelineStore } from '../../shared/aws/dynamo-timeline-store.js';
import { userCaller } from '../../shared/domain/deps.js';
import { createGroup, deleteGroup } from '../../shared/domain/groups.js';
import { systemClock } from '../../shared/domain/ports/clock.js';
import { startDynalite } from '../helpers/dynalite.js';

/**
 * Deleting a group removes its item and then every membership (batched). A delete that
 * dies between the two (a throttled batch past its retries, a process killed) left the
 * memberships without their group: the owner could not finish the delete (the group was
 * gone: NOT_FOUND), and whoever created a group with that id next found the old members
 * in it, reading and receiving the new group's messages.
 */
describe('a group delete that dies half way', () => {
  let d: Awaited<ReturnType<typeof startDynalite>>;
  let failBatch = false;
  let deps: Parameters<typeof createGroup>[0];
  beforeAll(async () => {
    d = await startDynalite();
    // The real client, but its next BatchWriteItem fails while `failBatch` is set.
    const db = new Proxy(d.db, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver);
        return (command: unknown) => {
          if (failBatch && command instanceof BatchWriteCommand) return Promise.reject(new Error('throttled past the retries'));
          return target.send(command as never);
        };
      },
    }) as DynamoDBDocumentClient;
    deps = { groups: new DynamoGroupStore(db, d.config.EDGEIM_GROUPS_TABLE), timelines: new DynamoTimelineStore(d.db, d.config.EDGEIM_TIMELINES_TABLE), clock: systemClock };
  });
  afterAll(() => d.close());

  it('can be finished by its owner, and leaves no member to a group created with its id', async () => {
    const owner = userCaller('half-owner');
    await createGroup(deps, owner, { group: 'half', members: ['half-old'] });

    failBatch = true;
    await expect(deleteGroup(deps, owner, 'half')).rejects.toThrow();
    failBatch = false;
    await deleteGroup(deps, owner, 'half'); // the owner tries again

    await createGroup(deps, userCaller('half-new'), { group: 'half', members: ['half-x'] });
    expect((await deps.groups.members('half')).sort()).toEqual(['half-new', 'half-x']);
    expect(await deps.groups.isMember('half', 'half-old')).toBe(false);
    expect(await deps.groups.groupsOf('half-old')).toEqual([]);
  });
});
