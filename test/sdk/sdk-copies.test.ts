import { describe, expect, expectTypeOf, it } from 'vitest';
import { RECONNECT, type DisconnectCode as GatewayDisconnectCode } from '../../gateway/disconnect-codes.js';
import { loadConfig } from '../../shared/config.js';
import type { syncTimeline } from '../../shared/domain/timelines.js';
import type { GroupInfo as SharedGroupInfo } from '../../shared/domain/model.js';
import {
  BadRequestError,
  ConflictError,
  EdgeImError as SharedError,
  ForbiddenError,
  NotFoundError,
  OverloadedError,
  RateLimitedError,
  toErrorBody,
  TooLargeError,
  UnauthorizedError,
  type ErrorBody,
  type ErrorCode,
} from '../../shared/errors.js';
import { cmidProblem } from '../../shared/protocol/cmid.js';
import {
  parseWith,
  syncPayloadSchema,
  type AckRequest,
  type Message as SharedMessage,
  type MessageFrame,
  type NotifyFrame,
  type PushableFrame as SharedPushableFrame,
  type Request,
  type ServerFrame as SharedServerFrame,
} from '../../shared/protocol/frames.js';
import { HEADER_SIZE, MIN_BUSINESS_OP, Op } from '../../shared/protocol/goim/index.js';
import { conversationId, type Target as SharedTarget } from '../../shared/protocol/identifiers.js';
import type { AckKind } from '../../sdk/ack-batcher.js';
import { newCmid } from '../../sdk/client.js';
import { DisconnectCode, NO_RECONNECT_WITHOUT_FLAG } from '../../sdk/disconnect-codes.js';
import { RETRY_LATER_CODES, SERVER_ERROR_CODES, type ServerErrorCode, type WireError } from '../../sdk/errors.js';
import { GOIM_HEADER, GOIM_MAX_PACKET, GOIM_MIN_BUSINESS_OP, GoimOp } from '../../sdk/goim-codec.js';
import { GOIM_DEFAULT_HEARTBEAT_MS } from '../../sdk/goim-connection.js';
import { AdaptiveHeartbeat } from '../../sdk/heartbeat.js';
import { DEFAULT_HEARTBEAT_TIMEOUT_MS } from '../../sdk/heartbeat-timer.js';
import { DEFAULT_SYNC_PAGE_SIZE } from '../../sdk/timeline-sync.js';
import type { Action } from '../../sdk/transport.js';
import {
  convOf,
  type GroupInfo,
  type Message,
  type NotifyEvent,
  type OwnSeq,
  type PushableFrame,
  type ServerFrame,
  type SyncPage,
  type Target,
  type TimelineName,
} from '../../sdk/types.js';

/**
 * The SDK is a browser-safe package of its own: it may not import the server's code, so it
 * keeps copies of the wire contract (goim ops, frame and message types, error and
 * DisconnectReply codes). Each copy is checked here against its source: values at run
 * time, types at compile time (`tsc --noEmit -p .` fails on a type that drifted).
 */
describe('the SDK’s copies of the wire contract', () => {
  it('goim ops: every op the SDK names has the server’s number; the ones it leaves out are goim’s unused handshake ops', () => {
    for (const [name, code] of Object.entries(GoimOp)) expect({ name, code }).toEqual({ name, code: Op[name as keyof typeof Op] });
    expect(Object.keys(Op).filter((name) => !(name in GoimOp))).toEqual(['Handshake', 'HandshakeReply', 'ProtoReady', 'ProtoFinish']);
    expectTypeOf(GoimOp).toEqualTypeOf<Omit<typeof Op, 'Handshake' | 'HandshakeReply' | 'ProtoReady' | 'ProtoFinish'>>();
  });

  it('goim packet header size, the business-op floor, and a read limit above anything the gateway writes', () => {
    expect(GOIM_HEADER).toBe(HEADER_SIZE);
    expect(GOIM_MIN_BUSINESS_OP).toBe(MIN_BUSINESS_OP);
    expect(GOIM_MAX_PACKET).toBeGreaterThanOrEqual(loadConfig({}).EDGEIM_GATEWAY_MAX_OUTBOUND_BYTES);
  });

  it('error codes: the server’s list, and which of them carry retryAfterMs', () => {
    expectTypeOf<ServerErrorCode>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<WireError>().toEqualTypeOf<ErrorBody>();
    const thrown = [
      new BadRequestError('m'),
      new TooLargeError('m'),
      new UnauthorizedError('m'),
      new ForbiddenError('m'),
      new NotFoundError('m'),
      new ConflictError('m'),
      new RateLimitedError('m', 10),
      new OverloadedError('m', 10),
      new Error('a bug'),
    ];
    const bodies = thrown.map(toErrorBody);
    expect(new Set(bodies.map((b) => b.code))).toEqual(new Set(SERVER_ERROR_CODES));
    expect(new Set(bodies.filter((b) => b.retryAfterMs !== undefined).map((b) => b.code))).toEqual(RETRY_LATER_CODES);
    for (const err of thrown) if (err instanceof SharedError) expect(SERVER_ERROR_CODES).toContain(err.code);
  });

  it('DisconnectReply codes the SDK names are the gateway’s; without the flag it stays only where the gateway says reconnect: false', () => {
    for (const code of Object.values(DisconnectCode)) expect(Object.keys(RECONNECT)).toContain(code);
    for (const code of NO_RECONNECT_WITHOUT_FLAG) expect({ code, reconnect: RECONNECT[code as GatewayDisconnectCode] }).toEqual({ code, reconnect: false });
    expectTypeOf<DisconnectCode>().toExtend<GatewayDisconnectCode>();
  });

  it('messages, targets and the frames the server sends', () => {
    expectTypeOf<Message>().toEqualTypeOf<SharedMessage>();
    expectTypeOf<Target>().toEqualTypeOf<SharedTarget>();
    expectTypeOf<TimelineName>().toEqualTypeOf<MessageFrame['timeline']>();
    expectTypeOf<OwnSeq[]>().toEqualTypeOf<NonNullable<MessageFrame['own']>>();
    expectTypeOf<NotifyEvent>().toEqualTypeOf<Omit<NotifyFrame, 'type'>>();
    expectTypeOf<PushableFrame>().branded.toEqualTypeOf<SharedPushableFrame>();
    expectTypeOf<ServerFrame>().branded.toEqualTypeOf<SharedServerFrame>();
  });

  it('request actions and replies', () => {
    expectTypeOf<Action>().toEqualTypeOf<Request['action']>();
    expectTypeOf<AckKind>().toEqualTypeOf<AckRequest['kind']>();
    expectTypeOf<SyncPage>().toEqualTypeOf<Awaited<ReturnType<typeof syncTimeline>>>();
    expectTypeOf<GroupInfo>().toEqualTypeOf<SharedGroupInfo>();
  });

  it('the default sync page is the largest the server takes', () => {
    expect(parseWith(syncPayloadSchema, { timeline: 'inbox', limit: DEFAULT_SYNC_PAGE_SIZE }).limit).toBe(DEFAULT_SYNC_PAGE_SIZE);
    expect(() => parseWith(syncPayloadSchema, { timeline: 'inbox', limit: DEFAULT_SYNC_PAGE_SIZE + 1 })).toThrow(/limit/);
  });

  it('the SDK’s goim heartbeats, late by the heartbeat timeout, come inside the gateway’s default heartbeat timeout', () => {
    const serverTimeoutMs = loadConfig({}).EDGEIM_HEARTBEAT_TIMEOUT_MS;
    for (const intervalMs of [GOIM_DEFAULT_HEARTBEAT_MS, new AdaptiveHeartbeat().maxMs]) expect(intervalMs + DEFAULT_HEARTBEAT_TIMEOUT_MS).toBeLessThan(serverTimeoutMs);
  });

  it('conversation ids and generated cmids follow the server’s rules', () => {
    const targets: Target[] = [{ user: 'bob' }, { user: 'al' }, { user: 'alice' }, { group: 'team' }, { room: 'live:1' }];
    for (const to of targets) expect(convOf('alice', to)).toBe(conversationId('alice', to));
    for (let i = 0; i < 20; i++) expect(cmidProblem(newCmid())).toBeUndefined();
  });
});
