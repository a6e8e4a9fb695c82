/**
 * `@edgeim/sdk` — the edgeim client for browsers, React Native and Node ≥ 20.
 * Nothing here imports Node built-ins or needs DOM types: the goim TCP transport is
 * `@edgeim/sdk/tcp` (Node), the IndexedDB store is `@edgeim/sdk/browser`.
 *
 * @example
 * import { EdgeImClient, wsApiTransport } from '@edgeim/sdk';
 * const client = new EdgeImClient({ transport: wsApiTransport({ url: 'ws://127.0.0.1:3001' }), token });
 * client.on('message', ({ message }) => console.log(message.body));
 * await client.connect();
 */
export { EdgeImClient, newCmid, type ConnectionState, type EdgeImClientOptions, type EdgeImEvents, type StateChange } from './client.js';
export { EdgeImError, type ClientErrorCode, type EdgeImErrorCode, type ServerErrorCode, type WireError } from './errors.js';
export { wsApiTransport, type WsApiTransportOptions } from './ws-api-transport.js';
export { goimWsTransport, type GoimWsTransportOptions } from './goim-ws-transport.js';
export { goimSocketTransport, type GoimSocketTransportOptions, type SocketEvents, type SocketOpener } from './goim-socket-transport.js';
export type { ByteLink, GoimAuthOptions } from './goim-connection.js';
export type { Transport, Connection, ConnectionHandlers, CloseReason, Action, UnreadableFrame, WebSocketLike, WebSocketInstance } from './transport.js';
export { MemoryStorage, type ClientStorage } from './storage.js';
export { backoffDelay, retryAfterDelay, type BackoffOptions } from './backoff.js';
export { AdaptiveHeartbeat, FixedHeartbeat, type HeartbeatOption, type HeartbeatPolicy } from './heartbeat.js';
export { TimelineTracker } from './timeline-tracker.js';
export { tokenExpiry, tokenExpired, tokenSubject } from './token.js';
export { encodePacket, GoimOp, GoimStreamReader, GoimFramingError, GOIM_HEADER, type GoimPacket } from './goim-codec.js';
export type { SendOptions, SendResult } from './outbox.js';
export {
  convOf,
  directConv,
  type GroupInfo,
  type Message,
  type NotifyEvent,
  type PushableFrame,
  type PushEvent,
  type ServerFrame,
  type SyncPage,
  type Target,
  type TimelineMessage,
  type TimelineName,
} from './types.js';
