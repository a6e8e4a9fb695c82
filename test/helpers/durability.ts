import { expect } from 'vitest';
import type { Frame, TestClient } from './ws-client.js';

/** Odd but valid cmids: spaces, emoji, newlines, `:` and `#`, quotes, exactly 64 characters. */
export function oddCmid(sender: string, i: number): string {
  const shapes = [
    `${i} with spaces`,
    `🙂 ${i} 👍🏽`,
    `line\n${i}\r\nend`,
    `q:k${i}#x`,
    `"${i}" \\ 'quoted'`,
    `${i}${'🦊'.repeat(64 - String(i).length)}`,
    `${i}-${sender}`.padEnd(64, 'x'),
    `tab\t${i} עברית`,
  ];
  const cmid = shapes[i % shapes.length]!;
  expect([...cmid].length).toBeLessThanOrEqual(64);
  return cmid;
}

export interface Sent {
  msgId: string;
  from: string;
  conv: string;
  /** Inboxes it belongs in. */
  owners: string[];
}

/** Every entry of a user's inbox, paging with sync. */
export async function wholeInbox(client: TestClient): Promise<{ seq: number; message: Frame }[]> {
  const all: { seq: number; message: Frame }[] = [];
  for (;;) {
    const page = await client.call('sync', { timeline: 'inbox', after: all.at(-1)?.seq ?? 0, limit: 200 });
    if (page.messages.length === 0) return all;
    all.push(...page.messages);
  }
}

/**
 * Checks the inbox of `uid` against what was sent: every message that belongs there
 * exactly once, seqs 1..n with no gap, and each sender's messages of one conversation in
 * the order they were accepted.
 */
export function checkInbox(uid: string, entries: { seq: number; message: Frame }[], sent: Sent[]): void {
  const expected = sent.filter((s) => s.owners.includes(uid));
  const ids = entries.map((e) => e.message.id as string);
  expect(new Set(ids).size, `${uid}: a message is stored twice`).toBe(ids.length);
  expect([...ids].sort(), `${uid}: inbox holds exactly what was accepted`).toEqual(expected.map((s) => s.msgId).sort());
  expect(
    entries.map((e) => e.seq),
    `${uid}: seqs are dense`,
  ).toEqual(entries.map((_, i) => i + 1));
  const seqOf = new Map(entries.map((e) => [e.message.id as string, e.seq]));
  const streams = new Map<string, number[]>();
  for (const s of expected) {
    const key = `${s.conv} ${s.from}`;
    streams.set(key, [...(streams.get(key) ?? []), seqOf.get(s.msgId)!]);
  }
  for (const [key, seqs] of streams) expect(seqs, `${uid}: ${key} out of order`).toEqual([...seqs].sort((a, b) => a - b));
}
