import type { App } from '../shared/app.js';
import { userCaller, type Deps, type UserCaller } from '../shared/domain/deps.js';
import { runClientRequest } from '../shared/domain/request-pipeline.js';
import { handleRequest } from '../shared/domain/requests.js';
import { BadRequestError, EdgeImError, OverloadedError, RateLimitedError, UnauthorizedError } from '../shared/errors.js';
import {
  ackPayloadSchema,
  parseJsonText,
  parseWith,
  replyFrame,
  roomPayloadSchema,
  sendPayloadSchema,
  syncPayloadSchema,
  type Request,
} from '../shared/protocol/frames.js';
import { HEADER_SIZE, Op, writeHeader, type Packet } from '../shared/protocol/goim/index.js';
import { roomIdFromGoimKey } from '../shared/protocol/goim/room-keys.js';
import type { Admission } from './admission.js';
import { authenticate, MAX_ACCEPTS, parseOps } from './auth.js';
import { ChannelState, type Channel, type PendingRequest } from './channel.js';
import type { ConnectionTable } from './connection-table.js';
import { disconnectReason, type DisconnectReason } from './disconnect-codes.js';
import { resyncReason } from './fence-watch.js';
import { bytesPacket, textPacket } from './frame-packets.js';
import type { GatewayOptions } from './options.js';

/** What requests need from the gateway (gateway.ts implements it). */
export interface RequestHost {
  readonly app: Pick<App, 'verifier' | 'logger'>;
  /** The domain deps as this task's requests see them (sessions through the session layer). */
  readonly deps: Deps;
  readonly options: Pick<GatewayOptions, 'insecureAuth' | 'heartbeatTimeoutMs' | 'maxConnectionsPerUser'>;
  readonly admission: Pick<Admission, 'admit' | 'done' | 'overloaded'>;
  readonly connections: Pick<ConnectionTable, 'open' | 'setAccepts'>;
  /** Auth arrived: the connection is authenticating; the handshake timeout no longer applies. */
  authReceived(ch: Channel): void;
  send(ch: Channel, buf: Buffer): boolean;
  close(ch: Channel, reason: DisconnectReason | null, flushFirst: boolean): void;
  /** A retry hint in [ms, 2·ms). */
  spreadRetryMs(ms: number): number;
}

/**
 * Client ops → domain actions (the op table: docs/PROTOCOL.md, "Gateway (goim protocol)").
 * Every action runs through `handleRequest`, the same entry the WebSocket API uses; this
 * file only maps ops, bodies and replies. A bad request gets an
 * error reply and the connection stays open; unknown ops are ignored (as goim does). A
 * request over the connection's rate limit (`p.retryAfterMs`) is answered RATE_LIMITED
 * in its reply op, in order; an over-limit heartbeat gets no reply.
 */
export async function dispatch(gw: RequestHost, ch: Channel, p: PendingRequest): Promise<void> {
  if (ch.state === ChannelState.Handshake) {
    if (p.op === Op.Auth && !p.retryAfterMs) await authorize(gw, ch, p);
    return;
  }
  if (ch.state !== ChannelState.Open) return;
  const caller = userCaller(ch.uid, ch.id);
  switch (p.op) {
    case Op.Heartbeat: {
      if (p.retryAfterMs) return;
      const { online } = (await handleRequest(gw.deps, caller, { action: 'heartbeat' })) as { online: number };
      const buf = Buffer.allocUnsafe(HEADER_SIZE + 4);
      writeHeader(buf, 0, 4, p.ver, Op.HeartbeatReply, p.seq);
      buf.writeInt32BE(online, HEADER_SIZE);
      gw.send(ch, buf);
      return;
    }
    case Op.SendMsg:
      return jsonRequest(gw, ch, caller, p, Op.SendMsgReply, (v) => ({ action: 'send', ...parseWith(sendPayloadSchema, v) }));
    case Op.Sync:
      return jsonRequest(gw, ch, caller, p, Op.SyncReply, (v) => ({ action: 'sync', ...parseWith(syncPayloadSchema, v) }));
    case Op.Ack:
      return jsonRequest(gw, ch, caller, p, Op.AckReply, (v) => ({ action: 'ack', ...parseWith(ackPayloadSchema, v) }));
    case Op.Join:
      return jsonRequest(gw, ch, caller, p, Op.JoinReply, (v) => ({ action: 'join', ...parseWith(roomPayloadSchema, v) }));
    case Op.Leave:
      return jsonRequest(gw, ch, caller, p, Op.LeaveReply, (v) => ({ action: 'leave', ...parseWith(roomPayloadSchema, v) }));
    case Op.ChangeRoom:
      if (p.retryAfterMs) return limited(gw, ch, p, Op.ChangeRoomReply);
      return changeRoom(gw, ch, caller, p);
    case Op.Sub:
    case Op.Unsub:
      if (p.retryAfterMs) return limited(gw, ch, p, p.op === Op.Sub ? Op.SubReply : Op.UnsubReply);
      return changeAccepts(gw, ch, p);
    default:
      return; // goim ignores ops it does not know
  }
}

/**
 * Auth (op 7). The handshake timer stops here: from now on the time is the server's.
 * Admission control may refuse at once (OVERLOADED with a retry hint); otherwise the
 * token is checked, the connection gets a random id, and its session, user routing item
 * and Auth room are written in one (coalesced) session write. A store that sheds the
 * write answers OVERLOADED too; nothing is left behind for a refused client.
 */
async function authorize(gw: RequestHost, ch: Channel, p: Packet): Promise<void> {
  gw.authReceived(ch);
  const refused = gw.admission.admit();
  if (refused) {
    gw.close(ch, refused, false);
    return;
  }
  try {
    await admitted(gw, ch, p);
  } finally {
    gw.admission.done();
  }
}

async function admitted(gw: RequestHost, ch: Channel, p: Packet): Promise<void> {
  let auth;
  try {
    auth = await authenticate(p.body, gw.app.verifier, gw.options.insecureAuth);
  } catch (err) {
    if (ch.state !== ChannelState.Authenticating) return;
    if (!(err instanceof EdgeImError)) gw.app.logger.error('gateway auth check failed', { error: err });
    if (err instanceof OverloadedError) gw.close(ch, gw.admission.overloaded(err.message, err.retryAfterMs), false);
    else gw.close(ch, disconnectReason('UNAUTHORIZED', err instanceof UnauthorizedError ? err.message : 'auth failed'), false);
    return;
  }
  if (ch.state !== ChannelState.Authenticating) return; // gone while its token was checked
  const opened = await gw.connections.open(ch, auth, authRoom(gw, auth.room));
  if (opened.open) {
    const heartbeat = Math.max(1, Math.floor(gw.options.heartbeatTimeoutMs / 4000));
    gw.send(ch, textPacket(Op.AuthReply, JSON.stringify({ uid: auth.uid, key: opened.session.connectionId, heartbeat }), p.ver, p.seq));
    return;
  }
  switch (opened.why) {
    case 'too-many-connections': {
      const max = gw.options.maxConnectionsPerUser;
      gw.close(ch, disconnectReason('TOO_MANY_CONNECTIONS', `this user holds ${max} connections on this server already; close one, or retry later`, gw.spreadRetryMs(30_000)), false);
      return;
    }
    case 'store': {
      const err = opened.error;
      if (!(err instanceof OverloadedError)) gw.app.logger.error('could not register a gateway connection', { error: err });
      const retryAfterMs = err instanceof OverloadedError ? err.retryAfterMs : 0;
      if (ch.state === ChannelState.Authenticating) gw.close(ch, gw.admission.overloaded('could not register the connection; retry later', retryAfterMs), false);
      return;
    }
    case 'fenced': // written before this task's latest fence: the job that fenced it may have removed it already
      gw.close(ch, resyncReason(), false);
      return;
    case 'gone': // the connection went away while its session was written (removed again)
      return;
  }
}

/** The Auth's `room_id` as an edgeim room id, or undefined (logged) when it is not a valid goim room key or room id. */
function authRoom(gw: RequestHost, roomKey: string | undefined): string | undefined {
  if (roomKey === undefined) return undefined;
  try {
    return roomIdFromGoimKey(roomKey, 'room_id');
  } catch (err) {
    if (!(err instanceof EdgeImError)) throw err;
    gw.app.logger.warn('auth room_id is not a valid room; not joined', { room: roomKey.slice(0, 80), reason: err.message });
    return undefined;
  }
}

function bodyText(p: Packet): string {
  return Buffer.from(p.body.buffer, p.body.byteOffset, p.body.byteLength).toString('utf8');
}

/** A JSON op through the shared request pipeline; the reply frame goes out in `replyOp`. */
async function jsonRequest(gw: RequestHost, ch: Channel, caller: UserCaller, p: PendingRequest, replyOp: number, parse: (value: unknown) => Request): Promise<void> {
  const frame = await runClientRequest(gw.deps, gw.app.logger, {
    caller,
    where: `goim op ${p.op}`,
    admit: () => rejectLimited(p),
    parse: () => parse(parseJsonText(bodyText(p), 'body')),
  });
  if (frame) gw.send(ch, textPacket(replyOp, JSON.stringify(frame), p.ver, p.seq)); // none for an ack with `reply: false`
}

function rejectLimited(p: PendingRequest): void {
  if (p.retryAfterMs) throw new RateLimitedError('too many requests on this connection', p.retryAfterMs);
}

/** The RATE_LIMITED reply of an over-limit request whose reply op carries no JSON request (ChangeRoom, Sub, Unsub). */
function limited(gw: RequestHost, ch: Channel, p: PendingRequest, replyOp: number): void {
  const frame = replyFrame(undefined, { error: new RateLimitedError('too many requests on this connection', p.retryAfterMs ?? 1000) });
  gw.send(ch, textPacket(replyOp, JSON.stringify(frame), p.ver, p.seq));
}

async function changeRoom(gw: RequestHost, ch: Channel, caller: UserCaller, p: Packet): Promise<void> {
  const text = bodyText(p).trim();
  try {
    for (const rid of [...ch.rooms]) await handleRequest(gw.deps, caller, { action: 'leave', room: rid });
    if (text !== '') {
      await handleRequest(gw.deps, caller, { action: 'join', room: roomIdFromGoimKey(text) });
    }
    gw.send(ch, bytesPacket(Op.ChangeRoomReply, p.body, p.ver, p.seq));
  } catch (err) {
    if (!(err instanceof EdgeImError)) gw.app.logger.error('goim ChangeRoom failed', { error: err });
    const frame = replyFrame(undefined, { error: err });
    gw.send(ch, textPacket(Op.ChangeRoomReply, JSON.stringify(frame), p.ver, p.seq));
  }
}

async function changeAccepts(gw: RequestHost, ch: Channel, p: Packet): Promise<void> {
  const ops = parseOps(bodyText(p));
  const accepts = new Set(ch.accepts ?? []);
  for (const op of ops) {
    if (p.op === Op.Sub) accepts.add(op);
    else accepts.delete(op);
  }
  if (accepts.size > MAX_ACCEPTS) {
    // A connection's accepts are bounded like Auth's: a Sub past it changes nothing.
    const frame = replyFrame(undefined, { error: new BadRequestError(`a connection accepts at most ${MAX_ACCEPTS} ops`) });
    gw.send(ch, textPacket(Op.SubReply, JSON.stringify(frame), p.ver, p.seq));
    return;
  }
  await gw.connections.setAccepts(ch, accepts);
  gw.send(ch, bytesPacket(p.op === Op.Sub ? Op.SubReply : Op.UnsubReply, p.body, p.ver, p.seq));
}
