import type { ConnectionRef, Session } from '../../shared/domain/model.js';
import type { LiveCounts, ReadConsistency, SessionStore } from '../../shared/domain/ports/session-store.js';
import { GatewaySessions, type HeldConnections } from '../../gateway/gateway-sessions.js';

/** How long the gateway caches a room's count by default (gateway/options.ts, roomCountTtlMs). */
const ROOM_COUNT_TTL_MS = 1000;
const ENDPOINT = 'http://10.0.0.1:3180';

/**
 * The gateway's session layer (GatewaySessions: the sessions as a task's own calls see
 * them, with room counts cached and held connections answered from memory) over `inner`,
 * in a task that holds every connection whose session is put through it, as a gateway
 * task holds the connections it writes sessions for (the connection table's part,
 * `HeldConnections`, kept here as a map of sessions): the connection opens with its
 * session and is forgotten when the session is removed. Sessions given to it should name
 * `heldBy` (the task's endpoint, kind `gateway`), as a task's own sessions do.
 *
 * This is the one place the contract suite builds the layer, so a change to how the
 * gateway constructs it (or keeps its connections) is made here only.
 */
export function gatewaySessionLayer(inner: SessionStore): { store: SessionStore; heldBy: { endpoint: string; kind: 'gateway' } } {
  const held = new Map<string, Session>();
  const connections: HeldConnections = {
    session: (id) => {
      const s = held.get(id);
      return s && { ...s, rooms: [...s.rooms] };
    },
    roomsOf: (id) => held.get(id)?.rooms,
    joinRoom: (id, rid) => {
      const s = held.get(id);
      if (!s) return false;
      if (!s.rooms.includes(rid)) s.rooms = [...s.rooms, rid];
      return true;
    },
    leaveRoom: (id, rid) => {
      const s = held.get(id);
      if (s) s.rooms = s.rooms.filter((r) => r !== rid);
    },
  };
  const layer = new GatewaySessions(inner, connections, ROOM_COUNT_TTL_MS);

  /** What the gateway does when a connection authenticates (or its session is renewed): it holds the session. */
  const hold = (s: Session) => {
    if (s.kind !== 'gateway' || s.endpoint !== ENDPOINT) return; // another task's, or API Gateway's
    held.set(s.connectionId, { ...s, rooms: [...s.rooms] });
  };
  /** What the gateway does when a connection closes. */
  const forget = (connectionId: string) => void held.delete(connectionId);

  const store: SessionStore = {
    put: async (s: Session) => {
      await layer.put(s);
      hold(s);
    },
    renew: async (s: Session) => {
      await layer.renew(s);
      hold(s);
    },
    remove: async (id: string, known?: Session) => {
      forget(id);
      return layer.remove(id, known);
    },
    get: (id: string, nowMs: number) => layer.get(id, nowMs),
    byUser: (uid: string, nowMs: number, consistency?: ReadConsistency): Promise<ConnectionRef[]> => layer.byUser(uid, nowMs, consistency),
    joinRoom: (id: string, rid: string, nowMs: number, maxRooms?: number) => layer.joinRoom(id, rid, nowMs, maxRooms),
    leaveRoom: (id: string, rid: string, nowMs: number) => layer.leaveRoom(id, rid, nowMs),
    roomMembers: (rid: string, nowMs: number) => layer.roomMembers(rid, nowMs),
    roomCount: (rid: string, nowMs: number) => layer.roomCount(rid, nowMs),
    scanLive: (nowMs: number, page: { limit: number; cursor?: string | undefined }) => layer.scanLive(nowMs, page),
    liveCounts: (nowMs: number): Promise<LiveCounts> => layer.liveCounts(nowMs),
    fenceEndpoint: (endpoint: string, atMs: number, expiresAt: number) => layer.fenceEndpoint(endpoint, atMs, expiresAt),
    endpointFence: (endpoint: string, nowMs: number) => layer.endpointFence(endpoint, nowMs),
    clearFence: (endpoint: string, atMs: number) => layer.clearFence(endpoint, atMs),
  };
  return { store, heldBy: { endpoint: ENDPOINT, kind: 'gateway' } };
}
