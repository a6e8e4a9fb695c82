import { describe, expect, it } from 'vitest';
import type { Message } from '../../shared/protocol/frames.js';
import { useDynaliteTimelines } from '../helpers/dynalite.js';
import { mulberry32 } from '../security/goim-fuzz.js';

const NOW = 1_800_000_000_000;
const LATER = NOW / 1000 + 3600;
const msg = (id: string): Message => ({ id, conv: 'g:crowd', from: 'a', to: { group: 'crowd' }, body: id, cmid: `c-${id}`, sentAt: NOW });

/**
 * More appends to one timeline at once than its head register has slots (32), every
 * message appended by several attempts at once (at-least-once jobs racing their own
 * retries): each message once, at one seq, one attempt per message says it stored it.
 */
describe('timeline appends: 96 messages x 3 racing attempts on one timeline', () => {
  const tl = useDynaliteTimelines();

  const shuffled = (seed: number) => {
    const random = mulberry32(seed);
    const attempts = Array.from({ length: 96 }, (_, i) => [`m${i}`, `m${i}`, `m${i}`]).flat();
    for (let i = attempts.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [attempts[i], attempts[j]] = [attempts[j]!, attempts[i]!];
    }
    return attempts;
  };

  it('each message once at one seq, never twice, exactly one fresh attempt per message, once failed attempts are retried (as the job does)', async () => {
    const owner = 'group:crowd';
    const settled = await Promise.allSettled(shuffled(0x5e9).map(async (id) => ({ id, ...(await tl.store.append(owner, msg(id), LATER)) })));
    const results = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = settled.length - results.length;
    const retried = new Set(results.map((r) => r.id));
    for (let i = 0; i < 96; i++) if (!retried.has(`m${i}`)) results.push({ id: `m${i}`, ...(await tl.store.append(owner, msg(`m${i}`), LATER)) });
    const seqOf = new Map<string, Set<number>>();
    for (const r of results) (seqOf.get(r.id) ?? seqOf.set(r.id, new Set()).get(r.id)!).add(r.seq);
    expect([...seqOf.values()].every((s) => s.size === 1)).toBe(true);
    expect(results.filter((r) => r.fresh).map((r) => r.id).sort()).toEqual([...seqOf.keys()].sort());
    const page = await tl.store.read(owner, 0, 200, NOW);
    // Every message at exactly the seq its attempts agreed on, none twice. (Seqs are not
    // dense here: an attempt racing its twin past 32 other appends takes a seq of its own
    // before it loses the claim, leaving a hole, as the store's contract allows.)
    expect(page.entries.map((e) => [e.message.id, e.seq]).sort()).toEqual([...seqOf].map(([id, seqs]) => [id, [...seqs][0]]).sort());
    expect(page.entries.length).toBe(96);
    expect(failed).toBeGreaterThanOrEqual(0);
  });

  // An attempt whose allocation is refused because a racing attempt of the same message took
  // the seq looks the id up in the head's register; with more than 32 appends in between it
  // is gone from there. It used to throw "refused but not in the register" (failing the job's
  // record and stalling its conversation until the visibility timeout); now it allocates a
  // seq of its own and the claim settles which one holds.
  it('no racing attempt fails, and each message still lands at one seq', async () => {
    const owner = 'group:crowd2';
    const settled = await Promise.allSettled(shuffled(0x77).map((id) => tl.store.append(owner, msg(id), LATER)));
    expect(settled.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason).slice(0, 120)).slice(0, 3)).toEqual([]);
    const results = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [{ id: shuffled(0x77)[i]!, ...s.value }] : []));
    const seqOf = new Map<string, Set<number>>();
    for (const r of results) (seqOf.get(r.id) ?? seqOf.set(r.id, new Set()).get(r.id)!).add(r.seq);
    expect([...seqOf.values()].every((s) => s.size === 1)).toBe(true);
    expect(results.filter((r) => r.fresh).map((r) => r.id).sort()).toEqual([...seqOf.keys()].sort());
    const page = await tl.store.read(owner, 0, 400, NOW);
    expect(page.entries.map((e) => [e.message.id, e.seq]).sort()).toEqual([...seqOf].map(([id, seqs]) => [id, [...seqs][0]]).sort());
  });
});
