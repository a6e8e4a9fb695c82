import { BadRequestError, NotFoundError } from '../errors.js';
import { requireUser, type Caller, type Deps } from './deps.js';

type RoomDeps = Pick<Deps, 'sessions' | 'clock'>;
type JoinDeps = RoomDeps & { settings: Pick<Deps['settings'], 'maxRoomsPerConnection'> };

/** Rooms are open (goim): any user may join any room, with a connection; a backend has none. */
function requireConnection(caller: Caller, action: string): string {
  const user = requireUser(caller, action);
  if (!user.connectionId) throw new NotFoundError('rooms are joined by a connection');
  return user.connectionId;
}

/**
 * Adds the caller's connection to a room (several rooms per connection, at most
 * `settings.maxRoomsPerConnection`: one more is BAD_REQUEST, enforced by the store's
 * join itself); returns the room's online count.
 */
export async function joinRoom(deps: JoinDeps, caller: Caller, rid: string): Promise<{ online: number }> {
  const now = deps.clock.now();
  const max = deps.settings.maxRoomsPerConnection;
  const session = await deps.sessions.joinRoom(requireConnection(caller, 'join'), rid, now, max);
  if (!session) throw new NotFoundError('connection is not registered');
  if (!session.rooms.includes(rid)) throw new BadRequestError(`a connection may be in at most ${max} rooms; leave one before joining another`);
  return { online: await deps.sessions.roomCount(rid, now) };
}

/** Takes the caller's connection out of a room; returns the room's online count. */
export async function leaveRoom(deps: RoomDeps, caller: Caller, rid: string): Promise<{ online: number }> {
  const now = deps.clock.now();
  await deps.sessions.leaveRoom(requireConnection(caller, 'leave'), rid, now);
  return { online: await deps.sessions.roomCount(rid, now) };
}

/** Heartbeat reply: the online count of the connection's first room (0 if none) and the server time. */
export async function heartbeat(deps: RoomDeps, caller: Caller): Promise<{ online: number; time: number }> {
  const user = requireUser(caller, 'heartbeat');
  const now = deps.clock.now();
  const session = user.connectionId ? await deps.sessions.get(user.connectionId, now) : undefined;
  const first = session?.rooms[0];
  return { online: first ? await deps.sessions.roomCount(first, now) : 0, time: now };
}
