import type { Message } from '../protocol/frames.js';

/** How a connection is held: by API Gateway's WebSocket API or by a gateway task (goim TCP/WS). */
export type ConnectionKind = 'apigw' | 'gateway';

/** Where and how to reach one live connection. */
export interface ConnectionRef {
  connectionId: string;
  uid: string;
  /** `@connections` endpoint that serves this connection. */
  endpoint: string;
  kind: ConnectionKind;
}

/** One live connection. */
export interface Session extends ConnectionRef {
  device: string;
  platform: string;
  /** Rooms joined, in join order. */
  rooms: string[];
  /** goim `accepts`: business ops this connection wants (gateway connections). */
  accepts?: number[];
  connectedAt: number;
  /** Epoch seconds after which the session is dead even if never removed. */
  expiresAt: number;
}

/** A message stored in a timeline at a dense sequence number. */
export interface TimelineEntry {
  seq: number;
  message: Message;
}

export interface GroupInfo {
  gid: string;
  name: string;
  /** The owning user; absent for a group a backend created without one (only backends manage it). */
  owner?: string;
  createdAt: number;
  memberCount: number;
}

/** A group as the store keeps it: what replies show, and what only the server reads. */
export interface StoredGroup extends GroupInfo {
  /**
   * The head of `group:<gid>` when this group was created: its shared timeline is served
   * after this seq only. A deleted group's id may be taken again, and the messages stored
   * under it (kept until they expire) belong to the group that had it before.
   */
  timelineBase?: number;
}

/** Work for the fan-out job, carried by the FIFO queue (validated when read: jobs.ts). */
export type Job =
  /**
   * A stored message. `origin`: the sending connection (it gets no copy of its own message:
   * the send reply told it). `repeat`: enqueued again for a send that was already recorded
   * (a client retry), so an earlier job may have stored it: the job looks before appending.
   * `groupCreatedAt`: for a group message, the `createdAt` of the group it was sent to (a
   * group created later under the same id is another group).
   */
  | { kind: 'message'; message: Message; groupCreatedAt?: number; origin?: string; repeat?: true }
  /** A room message (not stored): `room` is the room it goes to (the message's `to.room`). */
  | { kind: 'room'; room: string; message: Message; origin?: string }
  | { kind: 'push'; push: PushJob };

/** Who one push job delivers to: one user, one connection key, one room, or every live connection. */
export type PushJobTarget = { user: string } | { key: string } | { room: string } | { all: true };

/**
 * A transient push (goim's job): a `push` frame, never stored. Push-all runs as a chain
 * of paged jobs: each delivers one page and enqueues the next (`cursor`, `page`), paced
 * by `speed` (connections per second) through `notBefore`.
 */
export interface PushJob {
  /** Request id: with the target and page, the queue's dedup id. */
  id: string;
  op: number;
  body: unknown;
  encoding?: 'base64';
  to: PushJobTarget;
  speed?: number;
  cursor?: string;
  page?: number;
  /** Epoch ms before which this page must not go out (speed pacing). */
  notBefore?: number;
}
