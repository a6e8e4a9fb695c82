import { randomBytes } from 'node:crypto';
import { connect } from '../shared/domain/connections.js';
import { userCaller, type UserCaller } from '../shared/domain/deps.js';
import { runClientRequest } from '../shared/domain/request-pipeline.js';
import { handleRequest } from '../shared/domain/requests.js';
import { BadRequestError, OverloadedError, RateLimitedError, UnauthorizedError } from '../shared/errors.js';
import { ROOM_ID_PATTERN } from '../shared/protocol/identifiers.js';
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
import { authenticate, MAX_ACCEPTS, parseOps, roomFromGoim } from './auth.js';
import { ChannelState, type Channel, type PendingRequest } from './channel.js';
import { bytesPacket, textPacket } from './frame-packets.js';
import type { Gateway } from './gateway.js';
import { sessionOf } from './gateway-sessions.js';
import { disconnectReason } from './disconnect-codes.js';
import { resyncReason } from './fence-watch.js';

/**
 * Client ops → domain actions (docs/PROTOCOL.md gateway section). Every action runs through
 * `handleRequest`, the same entry the WebSocket API uses; this file only maps ops,
 * bodies and replies.
 *
 * | op in            | action                    | op out | reply body |
 * |------------------|---------------------------|--------|------------|
 * | 7 Auth           | admit, verify token, connect (+ `room_id`) | 8 | `{uid, key, heartbeat}` (or DisconnectReply) |
 * | 2 Heartbeat      | heartbeat                 | 3      | int32 online count of the first room |
 * | 4 SendMsg        | send                      | 5      | WIRE `reply` frame |
 * | 18 Sync          | sync                      | 19     | WIRE `reply` frame |
 * | 20 Ack           | ack                       | 21     | WIRE `reply` frame |
 * | 22 Join          | join                      | 24     | WIRE `reply` frame (`data: {online}`) |
 * | 23 Leave         | leave                     | 25     | WIRE `reply` frame (`data: {online}`) |
 * | 12 ChangeRoom    | leave every room, join the body's (goim `type://id` → `type:id`) | 13 | the body echoed (a `reply` error frame on failure) |
 * | 14 Sub / 16 Unsub| update `accepts` (stored in the session) | 15 / 17 | the body echoed |
 *
 * Replies echo the request's ver and seq. A bad request gets an error reply and the
 * connection stays open; unknown ops are ignored (as goim does). JSON ops run through
 * the request pipeline the WebSocket API uses too (runClientRequest). A request over
 * the connection's rate limit (`p.retryAfterMs`, decided on arrival by the gateway) is
 * answered RATE_LIMITED in its reply op, in order; an over-limit heartbeat gets no reply.
 */
export async function dispatch(gw: Gateway, ch: Channel, p: PendingRequest): Promise<void> {
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
async function authorize(gw: Gateway, ch: Channel, p: Packet): Promise<void> {
  ch.state = ChannelState.Authenticating;
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

async function admitted(gw: Gateway, ch: Channel, p: Packet): Promise<void> {
  let auth;
  try {
    auth = await authenticate(p.body, gw.app.verifier, gw.options.insecureAuth);
  } catch (err) {
    if (ch.state !== ChannelState.Authenticating) return;
    if (err instanceof OverloadedError) gw.close(ch, gw.admission.overloaded(err.message, err.retryAfterMs), false);
    else gw.close(ch, disconnectReason('UNAUTHORIZED', err instanceof UnauthorizedError ? err.message : 'auth failed'), false);
    return;
  }
  if (ch.state !== ChannelState.Authenticating) return; // gone while its token was checked
  if (!gw.userSlots.take(ch, auth.uid)) {
    const max = gw.options.maxConnectionsPerUser;
    gw.close(ch, disconnectReason('TOO_MANY_CONNECTIONS', `this user holds ${max} connections on this server already; close one, or retry later`, gw.spreadRetryMs(30_000)), false);
    return;
  }
  const room = authRoom(gw, auth.room);
  const id = newConnectionId();
  let session;
  try {
    session = await connect(gw.deps, {
      connectionId: id,
      uid: auth.uid,
      endpoint: gw.endpoint,
      kind: 'gateway',
      device: auth.device,
      platform: auth.platform,
      accepts: auth.accepts,
      rooms: room ? [room] : [],
      ttlSeconds: gw.options.sessionTtlSeconds,
    });
  } catch (err) {
    if (!(err instanceof OverloadedError)) gw.app.logger.error('could not register a gateway connection', { err: String(err) });
    const retryAfterMs = err instanceof OverloadedError ? err.retryAfterMs : 0;
    if (ch.state === ChannelState.Authenticating) gw.close(ch, gw.admission.overloaded('could not register the connection; retry later', retryAfterMs), false);
    return;
  }
  if (ch.state !== ChannelState.Authenticating) {
    gw.removeSession(id, session); // the connection went away while we wrote the session
    return;
  }
  if (session.connectedAt < gw.fences.fencedBefore) {
    // written before this task's latest fence: the job that fenced it may have removed it already
    gw.close(ch, resyncReason(), false);
    gw.removeSession(id, session);
    return;
  }
  ch.id = id;
  ch.uid = auth.uid;
  ch.device = session.device;
  ch.platform = session.platform;
  ch.connectedAt = session.connectedAt;
  ch.expiresAt = session.expiresAt;
  if (auth.expiresAt !== undefined) ch.tokenExpiresAt = auth.expiresAt * 1000;
  const maxAge = gw.options.maxConnectionAgeSeconds;
  if (maxAge > 0) ch.retireAt = session.connectedAt + Math.round(maxAge * 1000 * (0.9 + 0.1 * Math.random())); // spread: a storm's connections do not all retire at once
  ch.accepts = auth.accepts.length > 0 ? new Set(auth.accepts) : null;
  ch.state = ChannelState.Open;
  gw.channels.set(id, ch);
  if (room) {
    ch.rooms = [room];
    gw.rooms.add(room, ch);
  }
  const heartbeat = Math.max(1, Math.floor(gw.options.heartbeatTimeoutMs / 4000));
  gw.send(ch, textPacket(Op.AuthReply, JSON.stringify({ uid: auth.uid, key: id, heartbeat }), p.ver, p.seq));
}

/** The Auth's `room_id` as an edgeim room id, or undefined (logged) when it is not a valid one. */
function authRoom(gw: Gateway, room: string | undefined): string | undefined {
  if (room === undefined) return undefined;
  if (ROOM_ID_PATTERN.test(room)) return room;
  gw.app.logger.warn('auth room_id is not a valid room id; not joined', { room: room.slice(0, 80) });
  return undefined;
}

/** A connection id nobody can guess: 128 random bits, base64url (22 chars). */
export function newConnectionId(): string {
  return randomBytes(16).toString('base64url');
}

function bodyText(p: Packet): string {
  return Buffer.from(p.body.buffer, p.body.byteOffset, p.body.byteLength).toString('utf8');
}

/** A JSON op through the shared request pipeline; the reply frame goes out in `replyOp`. */
async function jsonRequest(gw: Gateway, ch: Channel, caller: UserCaller, p: PendingRequest, replyOp: number, parse: (value: unknown) => Request): Promise<void> {
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
function limited(gw: Gateway, ch: Channel, p: PendingRequest, replyOp: number): void {
  const frame = replyFrame(undefined, { error: new RateLimitedError('too many requests on this connection', p.retryAfterMs ?? 1000) });
  gw.send(ch, textPacket(replyOp, JSON.stringify(frame), p.ver, p.seq));
}

async function changeRoom(gw: Gateway, ch: Channel, caller: UserCaller, p: Packet): Promise<void> {
  const text = bodyText(p).trim();
  try {
    for (const rid of [...ch.rooms]) await handleRequest(gw.deps, caller, { action: 'leave', room: rid });
    if (text !== '') {
      const room = parseWith(roomPayloadSchema, { room: roomFromGoim(text) }).room;
      await handleRequest(gw.deps, caller, { action: 'join', room });
    }
    gw.send(ch, bytesPacket(Op.ChangeRoomReply, p.body, p.ver, p.seq));
  } catch (err) {
    const frame = replyFrame(undefined, { error: err });
    gw.send(ch, textPacket(Op.ChangeRoomReply, JSON.stringify(frame), p.ver, p.seq));
  }
}

async function changeAccepts(gw: Gateway, ch: Channel, p: Packet): Promise<void> {
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
  ch.accepts = accepts.size > 0 ? accepts : null;
  try {
    await gw.app.sessions.put({ ...sessionOf(ch, gw.endpoint), accepts: [...accepts] });
  } catch (err) {
    gw.app.logger.warn('could not store accepts', { connectionId: ch.id, err: String(err) });
  }
  gw.send(ch, bytesPacket(p.op === Op.Sub ? Op.SubReply : Op.UnsubReply, p.body, p.ver, p.seq));
}
