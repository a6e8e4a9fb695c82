import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConnectionRef, Session } from '../domain/model.js';
import { OverloadedError, StoreContentionError } from '../errors.js';
import type { LiveCounts, ReadConsistency, SessionStore } from '../domain/ports/session-store.js';
import { countAll, isConditionFailed, queryAll } from './dynamo-batch.js';
import { DynamoBatchWriter, type WriteRequest } from './dynamo-batch-writer.js';
import { SharedReads } from './shared-reads.js';
import { isExpired, NOT_EXPIRED, TTL_ATTRIBUTE } from './tables.js';

/** Tries of a leave whose conditional removal keeps losing to the connection's other room changes; the base and cap of their jittered waits, ms; the retry hint after. */
const LEAVE_ATTEMPTS = 12;
const LEAVE_BACKOFF_MS = 5;
const LEAVE_MAX_WAIT_MS = 1000;
const LEAVE_RETRY_AFTER_MS = 200;

const sessionsPk = (shard: number) => `conns#${shard}`;
const userKey = (uid: string, id: string) => ({ pk: `user#${uid}`, sk: `conn#${id}` });
const roomPk = (rid: string, shard: number) => `room#${rid}#${shard}`;
const fenceKey = (endpoint: string) => ({ pk: `fence#${endpoint}`, sk: 'meta' });
const notExpired = { FilterExpression: NOT_EXPIRED };

/** FNV-1a of the connection id: which shard of a room a connection lands in. */
function shardOf(connectionId: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < connectionId.length; i++) h = Math.imul(h ^ connectionId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % shards;
}

const toRef = (item: Record<string, unknown>): ConnectionRef => ({
  connectionId: (item.sk as string).slice('conn#'.length),
  uid: item.uid as string,
  endpoint: item.endpoint as string,
  kind: item.kind as ConnectionRef['kind'],
});

/** Items of live totals and push-all pages read per Query call. */
const SHARD_PAGE = 1000;

/**
 * Sessions table (pk/sk strings): `conns#<shard>`/`conn#<id>` holds the session, the
 * shard a hash of the connection id (so a session is still one GetItem by id, and the live
 * sessions are a few partitions: counted and paged with one Query per shard, never a
 * Scan of the table); `user#<uid>`/`conn#<id>` routes a user to connections;
 * `room#<rid>#<shard>`/`conn#<id>` lists a room's members.
 * `fence#<endpoint>`/`meta` (`fencedAt` ms, TTL_ATTRIBUTE) is a gateway task's fence.
 * Every item carries its expiry (epoch seconds) in TTL_ATTRIBUTE.
 *
 * Whole-item writes (put, renew, remove, room membership items) from every caller go
 * through one DynamoBatchWriter: under a connect storm, 25 items per BatchWriteItem call
 * and no call of its own per connection. Room counts and live totals are shared reads
 * (SharedReads): concurrent askers share a query that began after they asked.
 */
export class DynamoSessionStore implements SessionStore {
  private readonly counts = new SharedReads<number>();
  private readonly totals = new SharedReads<LiveCounts>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly roomShards: number,
    readonly writer = new DynamoBatchWriter(db, table),
    /** Partitions the session items spread over (EDGEIM_SESSION_SHARDS). */
    private readonly sessionShards = 16,
  ) {}

  private connKey(connectionId: string) {
    return { pk: sessionsPk(shardOf(connectionId, this.sessionShards)), sk: `conn#${connectionId}` };
  }

  /** One BatchWriteItem for the session, its routing item and its rooms (with the batch of other callers). */
  put(s: Session): Promise<void> {
    return this.writer.write(this.items(s).map((Item) => ({ PutRequest: { Item } })));
  }

  /** Every item of a session: the session, the user routing item, one per room. */
  private items(s: Session): Record<string, unknown>[] {
    const ref = { uid: s.uid, endpoint: s.endpoint, kind: s.kind, [TTL_ATTRIBUTE]: s.expiresAt };
    return [
      { ...this.connKey(s.connectionId), ...s, [TTL_ATTRIBUTE]: s.expiresAt },
      { ...userKey(s.uid, s.connectionId), ...ref, device: s.device, platform: s.platform },
      ...s.rooms.map((rid) => ({ ...this.roomKey(rid, s.connectionId), ...ref })),
    ];
  }

  async get(connectionId: string, nowMs: number): Promise<Session | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: this.connKey(connectionId), ConsistentRead: true }));
    const item = out.Item;
    if (!item || isExpired(item, nowMs)) return undefined;
    const { pk: _pk, sk: _sk, ...session } = item;
    return session as Session;
  }

  async remove(connectionId: string, known?: Session): Promise<Session | undefined> {
    const session = known ?? (await this.get(connectionId, 0));
    if (!session) return undefined;
    const deletes: WriteRequest[] = [
      { DeleteRequest: { Key: this.connKey(connectionId) } },
      { DeleteRequest: { Key: userKey(session.uid, connectionId) } },
      ...session.rooms.map((rid) => ({ DeleteRequest: { Key: this.roomKey(rid, connectionId) } })),
    ];
    await this.writer.write(deletes);
    return session;
  }

  async byUser(uid: string, nowMs: number, consistency: ReadConsistency = 'strong'): Promise<ConnectionRef[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ...notExpired,
      ExpressionAttributeValues: { ':pk': `user#${uid}`, ':now': Math.floor(nowMs / 1000) },
      ConsistentRead: consistency === 'strong',
    });
    return items.map(toRef);
  }

  /** Rewrites the session's items with its expiresAt, batched with other writes (no read first). */
  renew(session: Session): Promise<void> {
    return this.put(session);
  }

  /** One conditional update: the connection exists and is live, is not in the room, and is in fewer than `maxRooms` rooms. */
  async joinRoom(connectionId: string, rid: string, nowMs: number, maxRooms = Infinity): Promise<Session | undefined> {
    let session: Session | undefined;
    const capped = Number.isFinite(maxRooms);
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.connKey(connectionId),
          UpdateExpression: 'SET rooms = list_append(rooms, :r)',
          ConditionExpression: `attribute_exists(pk) AND #ttl > :now AND NOT contains(rooms, :rid)${capped ? ' AND size(rooms) < :max' : ''}`,
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':r': [rid], ':rid': rid, ':now': Math.floor(nowMs / 1000), ...(capped ? { ':max': maxRooms } : {}) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const { pk: _pk, sk: _sk, ...rest } = out.Attributes ?? {};
      session = rest as Session;
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      return this.get(connectionId, nowMs); // unknown connection, already in the room, or at the cap (rid not in its rooms)
    }
    const Item = { ...this.roomKey(rid, connectionId), uid: session.uid, endpoint: session.endpoint, kind: session.kind, [TTL_ATTRIBUTE]: session.expiresAt };
    await this.writer.write([{ PutRequest: { Item } }]);
    return session;
  }

  /**
   * Removes `rid` from the session's rooms by index, conditioned on the element still
   * being `rid`. Leaves of one connection may run at once (API Gateway invokes a
   * connection's requests in parallel) and shift each other's indices: a refused
   * condition reads again after a short jittered wait; one that keeps losing is
   * OverloadedError (retryAfterMs), never INTERNAL.
   */
  async leaveRoom(connectionId: string, rid: string, nowMs: number): Promise<Session | undefined> {
    let lost: unknown;
    for (let attempt = 0; attempt < LEAVE_ATTEMPTS; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * Math.min(LEAVE_BACKOFF_MS * 2 ** attempt, LEAVE_MAX_WAIT_MS)));
      const session = await this.get(connectionId, nowMs);
      const index = session?.rooms.indexOf(rid) ?? -1;
      if (!session || index < 0) return session;
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: this.connKey(connectionId),
            UpdateExpression: `REMOVE rooms[${index}]`,
            ConditionExpression: `rooms[${index}] = :rid`,
            ExpressionAttributeValues: { ':rid': rid },
          }),
        );
        await this.writer.write([{ DeleteRequest: { Key: this.roomKey(rid, connectionId) } }]);
        session.rooms.splice(index, 1);
        return session;
      } catch (err) {
        if (!isConditionFailed(err)) throw err; // rooms changed under us: read again
        lost = err;
      }
    }
    throw new OverloadedError(`could not leave room ${rid}: the connection's rooms kept changing; retry`, LEAVE_RETRY_AFTER_MS, {
      cause: new StoreContentionError(`leave of ${rid} lost ${LEAVE_ATTEMPTS} times`, { cause: lost }),
    });
  }

  async roomMembers(rid: string, nowMs: number): Promise<ConnectionRef[]> {
    const shards = await Promise.all(
      this.shards().map((s) =>
        queryAll(this.db, {
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ...notExpired,
          ExpressionAttributeValues: { ':pk': roomPk(rid, s), ':now': Math.floor(nowMs / 1000) },
        }),
      ),
    );
    return shards.flat().map(toRef);
  }

  roomCount(rid: string, nowMs: number): Promise<number> {
    return this.counts.read(rid, () => this.countRoom(rid, nowMs));
  }

  private async countRoom(rid: string, nowMs: number): Promise<number> {
    const counts = await Promise.all(
      this.shards().map((s) =>
        countAll(this.db, {
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ...notExpired,
          ExpressionAttributeValues: { ':pk': roomPk(rid, s), ':now': Math.floor(nowMs / 1000) },
        }),
      ),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /** One page of live sessions: the session shards in turn, each with Query pages (the cursor holds the shard and its key). */
  async scanLive(nowMs: number, page: { limit: number; cursor?: string | undefined }): Promise<{ refs: ConnectionRef[]; cursor?: string }> {
    const refs: ConnectionRef[] = [];
    const at = page.cursor ? (JSON.parse(Buffer.from(page.cursor, 'base64url').toString('utf8')) as { shard: number; key?: Record<string, unknown> }) : { shard: 0 };
    let shard = at.shard;
    let start = at.key;
    // Limit counts items read before the filter: ask for what is missing, so a page never overshoots.
    while (refs.length < page.limit && shard < this.sessionShards) {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: NOT_EXPIRED,
          ProjectionExpression: 'sk, uid, endpoint, kind',
          ExpressionAttributeValues: { ':pk': sessionsPk(shard), ':now': Math.floor(nowMs / 1000) },
          Limit: page.limit - refs.length,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) refs.push(toRef(item));
      start = out.LastEvaluatedKey;
      if (!start) shard++;
    }
    if (shard >= this.sessionShards) return { refs };
    return { refs, cursor: Buffer.from(JSON.stringify({ shard, ...(start ? { key: start } : {}) })).toString('base64url') };
  }

  liveCounts(nowMs: number): Promise<LiveCounts> {
    return this.totals.read('', () => this.countLive(nowMs));
  }

  /** Reads the live sessions of every shard in parallel (uid and rooms only): connections, distinct users, connections per room. */
  private async countLive(nowMs: number): Promise<LiveCounts> {
    const shards = await Promise.all(
      Array.from({ length: this.sessionShards }, (_, shard) =>
        queryAll(this.db, {
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: NOT_EXPIRED,
          ProjectionExpression: 'uid, rooms',
          ExpressionAttributeValues: { ':pk': sessionsPk(shard), ':now': Math.floor(nowMs / 1000) },
          Limit: SHARD_PAGE,
        }),
      ),
    );
    const counts: LiveCounts = { connections: 0, users: 0, rooms: new Map() };
    const users = new Set<string>();
    for (const item of shards.flat()) {
      counts.connections++;
      users.add(item.uid as string);
      for (const rid of (item.rooms as string[] | undefined) ?? []) counts.rooms.set(rid, (counts.rooms.get(rid) ?? 0) + 1);
    }
    counts.users = users.size;
    return counts;
  }

  /** One conditional update: the later time wins (a losing condition is the fence already being newer). */
  async fenceEndpoint(endpoint: string, atMs: number, expiresAt: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: fenceKey(endpoint),
          UpdateExpression: `SET fencedAt = :t, ${TTL_ATTRIBUTE} = :e`,
          ConditionExpression: 'attribute_not_exists(fencedAt) OR fencedAt < :t',
          ExpressionAttributeValues: { ':t': atMs, ':e': expiresAt },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }

  /** One GetItem. */
  async endpointFence(endpoint: string, nowMs: number): Promise<number | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: fenceKey(endpoint), ConsistentRead: true }));
    const item = out.Item;
    if (!item || isExpired(item, nowMs)) return undefined;
    return item.fencedAt as number;
  }

  /** One conditional DeleteItem. */
  async clearFence(endpoint: string, atMs: number): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({ TableName: this.table, Key: fenceKey(endpoint), ConditionExpression: 'fencedAt = :t', ExpressionAttributeValues: { ':t': atMs } }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }

  private roomKey(rid: string, connectionId: string) {
    return { pk: roomPk(rid, shardOf(connectionId, this.roomShards)), sk: `conn#${connectionId}` };
  }

  private shards(): number[] {
    return Array.from({ length: this.roomShards }, (_, i) => i);
  }
}
