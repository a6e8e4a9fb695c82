import { NotFoundError } from '../errors.js';
import type { Caller, Deps } from './deps.js';

type RoomDeps = Pick<Deps, 'sessions' | 'clock'>;

function requireConnection(caller: Caller): string {
  if (!caller.connectionId) throw new NotFoundError('rooms are joined by a connection');
  return caller.connectionId;
}

/** Adds the caller's connection to a room (several rooms per connection); returns the room's online count. */
export async function joinRoom(deps: RoomDeps, caller: Caller, rid: string): Promise<{ online: number }> {
  const now = deps.clock.now();
  const session = await deps.sessions.joinRoom(requireConnection(caller), rid, now);
  if (!session) throw new NotFoundError('connection is not registered');
  return { online: await deps.sessions.roomCount(rid, now) };
}

/** Takes the caller's connection out of a room; returns the room's online count. */
export async function leaveRoom(deps: RoomDeps, caller: Caller, rid: string): Promise<{ online: number }> {
  const now = deps.clock.now();
  await deps.sessions.leaveRoom(requireConnection(caller), rid, now);
  return { online: await deps.sessions.roomCount(rid, now) };
}

/** Heartbeat reply: the online count of the connection's first room (0 if none) and the server time. */
export async function heartbeat(deps: RoomDeps, caller: Caller): Promise<{ online: number; time: number }> {
  const now = deps.clock.now();
  const session = caller.connectionId ? await deps.sessions.get(caller.connectionId, now) : undefined;
  const first = session?.rooms[0];
  return { online: first ? await deps.sessions.roomCount(first, now) : 0, time: now };
}
