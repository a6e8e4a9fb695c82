import type { Appended, OwnEntry } from '../domain/ports/timeline-store.js';
import type { Message } from '../protocol/frames.js';

/*
 * The register in a timeline's head item (DynamoTimelineStore): the message ids of its
 * latest allocations, newest first, and the update expressions that keep it.
 */

/**
 * How many of a timeline's latest allocations its head item remembers (message ids m0 =
 * newest … m31): an append that died after taking its seq finds it there on retry instead
 * of taking another, so seqs stay dense. 32 ids of ≤ 20 digits keep the item under 1 KB
 * (one write unit, as the bare counter cost).
 */
export const REGISTER = 32;
const slot = (i: number) => `m${i}`;
/** `SET head = head + 1, m0 = :mid, m1 = m0, …`: operands are read before the update, so this shifts the register by one. */
export const ALLOCATE =
  'SET head = if_not_exists(head, :zero) + :one, m0 = :mid, ' +
  Array.from({ length: REGISTER - 1 }, (_, i) => `${slot(i + 1)} = if_not_exists(${slot(i)}, :none)`).join(', ');
/** The allocation is refused when the register already holds this message id (a retry of an append that died). */
export const NOT_ALLOCATED = `NOT (${Array.from({ length: REGISTER }, (_, i) => `${slot(i)} = :mid`).join(' OR ')})`;
/** Register entries of messages the timeline's owner sent carry this prefix (message ids are decimal). */
const OWN = 's';
/** What the register records for `message` in `owner`'s timeline: its id, marked when the owner sent it. */
export function registerValue(owner: string, message: Message): string {
  return !message.backend && owner === `user:${message.from}` ? `${OWN}${message.id}` : message.id;
}

/** The owner's own sends in the register slots after `from` (older seqs), down to the first that is not one. */
export function ownRun(register: Record<string, unknown>, head: number, from: number): OwnEntry[] {
  const own: OwnEntry[] = [];
  for (let i = from; i < REGISTER; i++) {
    const v = register[slot(i)];
    if (typeof v !== 'string' || !v.startsWith(OWN)) break;
    own.push({ seq: head - i, id: v.slice(OWN.length) });
  }
  return own;
}

/** `appended` with its `own` run, when there is one. */
export function withOwn(appended: Appended, own: OwnEntry[] | undefined): Appended {
  return own && own.length > 0 ? { ...appended, own } : appended;
}

/** Where the register holds `mid`: the seq, and the owner's own sends just below it. */
export function findIn(register: Record<string, unknown>, mid: string): { seq: number; own: OwnEntry[] } | undefined {
  const head = (register.head as number | undefined) ?? 0;
  for (let i = 0; i < REGISTER; i++) if (register[slot(i)] === mid) return { seq: head - i, own: ownRun(register, head, i + 1) };
  return undefined;
}
