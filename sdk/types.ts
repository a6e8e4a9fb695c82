/** Where a message goes: a user, a group, or a (transient) room. */
export type Target = { user: string } | { group: string } | { room: string };

/**
 * A timeline the client syncs: `inbox` (the user's own, holds 1:1 and write-fan-out
 * group messages) or `group:<gid>` (a large group's shared timeline). Pushed room
 * messages carry `room:<rid>` and seq 0.
 */
export type TimelineName = 'inbox' | `group:${string}` | `room:${string}`;

import type { WireError } from './errors.js';

/**
 * A message as the server stores and delivers it (docs/PROTOCOL.md#frames-server--client).
 *
 * @example
 * { id: '4711', conv: 'u:alice:bob', from: 'alice', to: { user: 'bob' },
 *   body: { text: 'hi' }, cmid: 'c-1', sentAt: 1795318111289 }
 */
export interface Message {
  id: string;
  /** Conversation: `u:<a>:<b>` (uids sorted), `g:<gid>` or `r:<rid>`. */
  conv: string;
  /** The sender's uid; for a backend message (`backend: true`), a display name the backend chose. */
  from: string;
  /**
   * True when a business backend sent it through the push API. `from` is then only a
   * label (not a user id, and it grants nothing): show such messages apart from users'.
   */
  backend?: true;
  to: Target;
  body: unknown;
  cmid: string;
  sentAt: number;
}

/** A message with the timeline and seq it arrived on (seq 0 for rooms). */
export interface TimelineMessage {
  timeline: TimelineName;
  seq: number;
  message: Message;
}

/**
 * In an inbox `message` frame: one of the receiving user's own messages at a seq just
 * below the frame's (the connection that sent it was not pushed it; docs/PROTOCOL.md).
 */
export interface OwnSeq {
  seq: number;
  id: string;
}

/**
 * Server → client frames (docs/PROTOCOL.md#frames-server--client), as the SDK hands them
 * around (goim packets are translated to these). A `push` frame with `room` is a room push.
 */
export type ServerFrame =
  | { type: 'reply'; id?: string; ok: true; data: unknown }
  | { type: 'reply'; id?: string; ok: false; error: WireError }
  | PushableFrame
  | { type: 'batch'; frames: PushableFrame[] }
  | { type: 'error'; error: WireError };

/** The frames a push carries, alone or in a `batch`. */
export type PushableFrame =
  | ({ type: 'message'; own?: OwnSeq[] } & TimelineMessage)
  | ({ type: 'notify' } & NotifyEvent)
  | { type: 'push'; op: number; body: unknown; encoding?: 'base64'; room?: string };

/** A transient push (push API, goim business op ≥ 1000). Not stored, not synced. */
export interface PushEvent {
  op: number;
  /** The pushed JSON value (WebSocket API), or the bytes as text / parsed JSON (goim). */
  body: unknown;
  /** The bytes when the push was binary (base64 on the WebSocket API, not UTF-8 on goim). */
  bytes?: Uint8Array;
}

/** A `notify` for a large group: its timeline has a new head; the client pulls it. */
export interface NotifyEvent {
  timeline: `group:${string}`;
  seq: number;
}

/** A page of `sync`. */
export interface SyncPage {
  messages: { seq: number; message: Message }[];
  head: number;
  /** The page ends before a seq whose message may still land (`head` is the seq below it): pull again shortly. */
  held?: true;
}

/** A group as `createGroup` / `addMembers` / `removeMembers` return it. */
export interface GroupInfo {
  gid: string;
  /** The name given at creation; the gid when none was. */
  name: string;
  /** The owning user; absent for a group a backend created without one (only backends manage it). */
  owner?: string;
  createdAt: number;
  memberCount: number;
}

/** Builds the 1:1 conversation id of two users (`u:<a>:<b>`, sorted). */
export function directConv(a: string, b: string): string {
  return a < b ? `u:${a}:${b}` : `u:${b}:${a}`;
}

/** The conversation id of a target as seen by `me`. */
export function convOf(me: string, to: Target): string {
  if ('user' in to) return directConv(me, to.user);
  if ('group' in to) return `g:${to.group}`;
  return `r:${to.room}`;
}
