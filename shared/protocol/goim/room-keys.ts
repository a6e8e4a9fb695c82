import { BadRequestError } from '../../errors.js';
import { ROOM_ID_PATTERN } from '../identifiers.js';

/**
 * goim room keys ↔ edgeim room ids, converted here and nowhere else. goim names a room
 * `type://id` (`live://1000`); edgeim room ids cannot hold `/`, so that room is the
 * edgeim room `type:id` (`live:1000`). One check for every edge that takes a goim room
 * (docs/GATEWAY.md, "Differences from goim", room keys): the type is 1-63 chars of
 * `[A-Za-z0-9_.@-]` (no `:`), the id is not empty, and `type:id` is a room id (1-64 chars
 * of `[A-Za-z0-9_.:@-]`). Anything else is a BadRequestError (BAD_REQUEST; goim's HTTP
 * API answers it -400) naming the parameter it came in.
 */

/** A goim room type: the `live` of `live://1000`. */
const ROOM_TYPE_PATTERN = /^[A-Za-z0-9_.@-]{1,63}$/;
/** What separates type and id in a goim room key. */
const KEY_SEPARATOR = '://';

/**
 * The edgeim room id of goim's `type` and `room` (the `/push/room?type=live&room=1000`
 * form): `goimRoomId('live', '1000')` is `live:1000`. Throws BadRequestError naming
 * `type` or `roomParam`.
 */
export function goimRoomId(type: string, room: string, roomParam = 'room'): string {
  if (!ROOM_TYPE_PATTERN.test(type)) throw new BadRequestError(`type: must be 1-63 chars of [A-Za-z0-9_.@-], got ${quote(type)}`);
  const rid = `${type}:${room}`;
  if (!room || !ROOM_ID_PATTERN.test(rid)) throw new BadRequestError(`${roomParam}: ${quote(room)} with its type must make a room id of 1-64 chars of [A-Za-z0-9_.:@-]`);
  return rid;
}

/**
 * The edgeim room id of a whole goim room key (Auth's `room_id`, ChangeRoom's body):
 * `live://1000` → `live:1000`, checked as `goimRoomId` checks its parts. A key without
 * `://` is taken as an edgeim room id already (`lobby`, `live:1000`) and must be a valid
 * one. Throws BadRequestError naming `param`.
 */
export function roomIdFromGoimKey(key: string, param = 'room'): string {
  const i = key.indexOf(KEY_SEPARATOR);
  if (i < 0) {
    if (!ROOM_ID_PATTERN.test(key)) throw new BadRequestError(`${param}: ${quote(key)} is neither a goim room key type://id nor a room id of 1-64 chars of [A-Za-z0-9_.:@-]`);
    return key;
  }
  const type = key.slice(0, i);
  if (!ROOM_TYPE_PATTERN.test(type)) throw new BadRequestError(`${param}: the type of ${quote(key)} must be 1-63 chars of [A-Za-z0-9_.@-]`);
  return goimRoomId(type, key.slice(i + KEY_SEPARATOR.length), param);
}

/**
 * The goim parts of an edgeim room id, the reverse of `goimRoomId`: `live:1000` →
 * `{type: 'live', room: '1000', key: 'live://1000'}` (split at the first `:`).
 * Undefined for an id that is not `type:room` (no `:` after its first char).
 */
export function goimRoomOf(rid: string): { type: string; room: string; key: string } | undefined {
  const colon = rid.indexOf(':');
  if (colon <= 0) return undefined;
  const type = rid.slice(0, colon);
  const room = rid.slice(colon + 1);
  return { type, room, key: `${type}${KEY_SEPARATOR}${room}` };
}

/**
 * A prefix of goim room keys as a prefix of edgeim room ids (goim's `/online/top` keeps
 * the rooms whose key starts with its `type`): `live` stays `live`, `live://1` becomes
 * `live:1`. It must be 1-64 room-id chars once `://` reads `:`; BadRequestError naming
 * `param` otherwise.
 */
export function roomIdPrefixFromGoim(prefix: string, param = 'type'): string {
  const converted = prefix.replace(KEY_SEPARATOR, ':');
  if (!ROOM_ID_PATTERN.test(converted)) throw new BadRequestError(`${param}: expected 1-64 chars of [A-Za-z0-9_.:@-] (a room type, or the start of one), got ${quote(prefix)}`);
  return converted;
}

function quote(value: string): string {
  return JSON.stringify(value.slice(0, 80));
}
