import type { Request } from '../protocol/frames.js';
import type { RequestDeps, UserCaller } from './deps.js';
import { addMembers, createGroup, deleteGroup, listGroups, removeMembers } from './groups.js';
import { sendMessage } from './messaging.js';
import { heartbeat, joinRoom, leaveRoom } from './rooms.js';
import { ackTimeline, syncTimeline } from './timelines.js';

/**
 * Runs one parsed client request and returns the reply's `data`. The single entry for
 * every transport (WebSocket API, goim TCP/WS); errors are EdgeImErrors for the caller's edge to map.
 * Client requests always come from a user on a connection; backends use the push API.
 */
export async function handleRequest(deps: RequestDeps, caller: UserCaller, req: Request): Promise<unknown> {
  switch (req.action) {
    case 'send':
      return sendMessage(deps, caller, req);
    case 'sync':
      return syncTimeline(deps, caller, req);
    case 'ack':
      return ackTimeline(deps, caller, req);
    case 'join':
      return joinRoom(deps, caller, req.room);
    case 'leave':
      return leaveRoom(deps, caller, req.room);
    case 'heartbeat':
      return heartbeat(deps, caller);
    case 'createGroup':
      return createGroup(deps, caller, req);
    case 'addMembers':
      return addMembers(deps, caller, req.group, req.members);
    case 'removeMembers':
      return removeMembers(deps, caller, req.group, req.members);
    case 'deleteGroup':
      return deleteGroup(deps, caller, req.group);
    case 'groups':
      return listGroups(deps, caller);
  }
}
