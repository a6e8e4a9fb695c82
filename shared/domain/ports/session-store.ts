import type { ConnectionRef, Session } from '../model.js';

/**
 * Live connections, by connection, by user and by room.
 *
 * Contract:
 * - `put` makes the session visible to `get`, `byUser` (one item per connection);
 *   putting the same connection id again replaces it.
 * - Every read ignores sessions whose `expiresAt` has passed (storage may keep them
 *   for hours: DynamoDB deletes expired items lazily).
 * - `remove` deletes the connection, its user routing item and its room memberships,
 *   and returns what it removed (undefined when nothing was there). Idempotent.
 * - Rooms: a connection may be in several; `joinRoom` of a room already joined is a no-op.
 *   `joinRoom`/`leaveRoom` on an unknown connection return undefined.
 */
export interface SessionStore {
  put(session: Session): Promise<void>;
  get(connectionId: string, nowMs: number): Promise<Session | undefined>;
  remove(connectionId: string): Promise<Session | undefined>;
  byUser(uid: string, nowMs: number): Promise<ConnectionRef[]>;
  /** Moves the expiry of a live session (gateway connections renew theirs). */
  renew(connectionId: string, expiresAt: number): Promise<void>;
  joinRoom(connectionId: string, rid: string, nowMs: number): Promise<Session | undefined>;
  leaveRoom(connectionId: string, rid: string, nowMs: number): Promise<Session | undefined>;
  roomMembers(rid: string, nowMs: number): Promise<ConnectionRef[]>;
  roomCount(rid: string, nowMs: number): Promise<number>;
}
