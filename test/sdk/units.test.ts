import { describe, expect, it } from 'vitest';
import { AdaptiveHeartbeat, backoffDelay, encodePacket, GoimOp, GoimStreamReader, TimelineTracker, type TimelineMessage } from '../../sdk/index.js';

const tm = (seq: number): TimelineMessage => ({ timeline: 'inbox', seq, message: { id: String(100 + seq), conv: 'u:a:b', from: 'a', to: { user: 'b' }, body: seq, cmid: `c${seq}`, sentAt: 0 } });
const seqs = (list: TimelineMessage[]) => list.map((m) => m.seq);

describe('SDK building blocks', () => {
  it('backs off exponentially with full jitter, capped', () => {
    expect(backoffDelay(0, { random: () => 0.999 })).toBe(499);
    expect(backoffDelay(3, { random: () => 0.5 })).toBe(2000);
    expect(backoffDelay(20, { random: () => 0.999, maxMs: 30_000 })).toBe(29_970);
    expect(backoffDelay(5, { random: () => 0 })).toBe(0);
  });

  it('adaptive heartbeat grows 60 → 300 s by 30 s and shrinks one step on failure, then holds', () => {
    const hb = new AdaptiveHeartbeat();
    const seen = [hb.next()];
    for (let i = 0; i < 10; i++) {
      hb.succeeded();
      seen.push(hb.next());
    }
    expect(seen.slice(0, 4)).toEqual([60_000, 90_000, 120_000, 150_000]);
    expect(hb.next()).toBe(300_000);
    hb.failed();
    expect(hb.next()).toBe(270_000);
    hb.succeeded();
    expect(hb.next()).toBe(270_000);
  });

  it('orders pushed messages, holds them behind a gap, and skips a hole after a pull', () => {
    const t = new TimelineTracker();
    expect(seqs(t.push(tm(1)))).toEqual([1]);
    expect(seqs(t.push(tm(3)))).toEqual([]);
    expect(t.hasGap).toBe(true);
    expect(seqs(t.push(tm(1)))).toEqual([]);
    expect(seqs(t.pulled([tm(3), tm(4)], 4))).toEqual([3, 4]);
    expect(t.last).toBe(4);
    expect(t.hasGap).toBe(false);
    expect(seqs(t.push(tm(2)))).toEqual([2]);
    expect(seqs(t.push(tm(2)))).toEqual([]);
  });

  it('does not skip the tail a pull has not seen yet', () => {
    const t = new TimelineTracker(2);
    expect(seqs(t.pulled([], 5))).toEqual([]);
    expect(t.last).toBe(2);
    expect(seqs(t.push(tm(3)))).toEqual([3]);
  });

  it('reads goim packets split across chunks and unwraps op-9 batches', () => {
    const a = encodePacket(GoimOp.Message, 0, '{"x":1}');
    const b = encodePacket(1000, 0, 'hi');
    const raw = encodePacket(GoimOp.Raw, 0, new Uint8Array([...a, ...b]));
    const stream = new Uint8Array([...encodePacket(GoimOp.HeartbeatReply, 7, new Uint8Array([0, 0, 0, 2])), ...raw]);
    const reader = new GoimStreamReader();
    const out = [...reader.push(stream.subarray(0, 5)), ...reader.push(stream.subarray(5, 30)), ...reader.push(stream.subarray(30))];
    expect(out.map((p) => [p.op, p.seq])).toEqual([
      [GoimOp.HeartbeatReply, 7],
      [GoimOp.Message, 0],
      [1000, 0],
    ]);
    expect(new TextDecoder().decode(out[2]!.body)).toBe('hi');
  });

  it('refuses a header that is not goim', () => {
    const bad = encodePacket(2, 1);
    new DataView(bad.buffer).setInt16(4, 20);
    expect(() => new GoimStreamReader().push(bad)).toThrow(/bad goim header/);
  });
});
