import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StoredGroup } from '../domain/model.js';
import type { GroupRoster, GroupStore } from '../domain/ports/group-store.js';
import type { ReadConsistency } from '../domain/ports/session-store.js';
import { mapLimit } from '../domain/pool.js';
import { batchWriteAll, isConditionFailed, queryAll } from './dynamo-batch.js';

const groupPk = (gid: string) => `group#${gid}`;
const memberKey = (gid: string, uid: string) => ({ pk: groupPk(gid), sk: `member#${uid}` });
const linkKey = (uid: string, gid: string) => ({ pk: `user#${uid}`, sk: `group#${gid}` });
const META = 'meta';

/**
 * Groups table (pk/sk strings): `group#<gid>`/`meta` (name, owner, memberCount),
 * `group#<gid>`/`member#<uid>`, and the reverse link `user#<uid>`/`group#<gid>`.
 */
export class DynamoGroupStore implements GroupStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(group: Omit<StoredGroup, 'memberCount'>, members: string[]): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: groupPk(group.gid), sk: META, ...group, memberCount: 0 },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
    await this.addMembers(group.gid, members, group.createdAt);
    return true;
  }

  async get(gid: string): Promise<StoredGroup | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: groupPk(gid), sk: META }, ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { gid: id, name, owner, createdAt, memberCount, timelineBase } = out.Item as StoredGroup;
    return { gid: id, name, owner, createdAt, memberCount, ...(timelineBase ? { timelineBase } : {}) };
  }

  /**
   * The memberships first, the group item last: a delete that dies half way leaves the
   * group (its owner deletes it again), never memberships without their group (a group
   * created with the id next would have them).
   */
  async delete(gid: string): Promise<void> {
    const members = await this.members(gid);
    await batchWriteAll(
      this.db,
      this.table,
      members.flatMap((uid) => [{ DeleteRequest: { Key: memberKey(gid, uid) } }, { DeleteRequest: { Key: linkKey(uid, gid) } }]),
    );
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk: groupPk(gid), sk: META } }));
  }

  /** Each member is a conditional put, so memberCount moves only for members really added. */
  async addMembers(gid: string, uids: string[], nowMs: number): Promise<void> {
    await mapLimit([...new Set(uids)], 8, async (uid) => {
      try {
        await this.db.send(
          new PutCommand({ TableName: this.table, Item: { ...memberKey(gid, uid), joinedAt: nowMs }, ConditionExpression: 'attribute_not_exists(pk)' }),
        );
      } catch (err) {
        if (isConditionFailed(err)) return;
        throw err;
      }
      await Promise.all([
        this.db.send(new PutCommand({ TableName: this.table, Item: { ...linkKey(uid, gid), joinedAt: nowMs } })),
        this.count(gid, 1),
      ]);
    });
  }

  async removeMembers(gid: string, uids: string[]): Promise<void> {
    await mapLimit([...new Set(uids)], 8, async (uid) => {
      const out = await this.db.send(new DeleteCommand({ TableName: this.table, Key: memberKey(gid, uid), ReturnValues: 'ALL_OLD' }));
      if (!out.Attributes) return;
      await Promise.all([this.db.send(new DeleteCommand({ TableName: this.table, Key: linkKey(uid, gid) })), this.count(gid, -1)]);
    });
  }

  async isMember(gid: string, uid: string): Promise<boolean> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: memberKey(gid, uid), ConsistentRead: true }));
    return out.Item !== undefined;
  }

  async members(gid: string, consistency: ReadConsistency = 'strong'): Promise<string[]> {
    return this.listSk(groupPk(gid), 'member#', consistency);
  }

  /** One Query of the group's partition: its `meta` item (createdAt) and its members. */
  async roster(gid: string, consistency: ReadConsistency = 'strong'): Promise<GroupRoster | undefined> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': groupPk(gid) },
      ProjectionExpression: 'sk, createdAt',
      ConsistentRead: consistency === 'strong',
    });
    const meta = items.find((i) => i.sk === META);
    if (!meta) return undefined;
    return { createdAt: meta.createdAt as number, members: items.flatMap((i) => ((i.sk as string).startsWith('member#') ? [(i.sk as string).slice('member#'.length)] : [])) };
  }

  async groupsOf(uid: string): Promise<string[]> {
    return this.listSk(`user#${uid}`, 'group#');
  }

  private async listSk(pk: string, prefix: string, consistency: ReadConsistency = 'strong'): Promise<string[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': pk, ':p': prefix },
      ProjectionExpression: 'sk',
      ConsistentRead: consistency === 'strong',
    });
    return items.map((i) => (i.sk as string).slice(prefix.length));
  }

  private async count(gid: string, delta: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: groupPk(gid), sk: META },
          UpdateExpression: 'ADD memberCount :d',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':d': delta },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err; // group deleted meanwhile
    }
  }
}
