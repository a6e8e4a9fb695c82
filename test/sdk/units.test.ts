import { describe, expect, it, vi } from 'vitest';
import { AckBatcher } from '../../sdk/ack-batcher.js';
import {
  AdaptiveHeartbeat,
  backoffDelay,
  EdgeImError,
  encodePacket,
  GoimOp,
  GoimStreamReader,
  MemoryStorage,
  TimelineTracker,
  tokenExpired,
  tokenExpiry,
  tokenSubject,
  type TimelineMessage,
} from '../../sdk/index.js';
import { TimelineSync } from '../../sdk/timeline-sync.js';

const tm = (seq: number): TimelineMessage => ({ timeline: 'inbox', seq, message: { id: String(100 + seq), conv: 'u:a:b', from: 'a', to: { user: 'b' }, body: seq, cmid: `c${seq}`, sentAt: 0 } });
const seqs = (list: TimelineMessage[]) => list.map((m) => m.seq);

describe('SDK building blocks', () => {
  it('reads a token’s exp and sub without verifying it; anything unreadable is undefined', () => {
    const jwt = (claims: unknown) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;
    expect(tokenExpiry(jwt({ sub: 'ann-é', exp: 1795318111 }))).toBe(1795318111);
    expect(tokenSubject(jwt({ sub: 'ann~?', exp: 1795318111 }))).toBe('ann~?');
    expect(tokenExpired(jwt({ exp: 10 }), 10_000)).toBe(true);
    expect(tokenExpired(jwt({ exp: 11 }), 10_000)).toBe(false);
    for (const bad of ['', 'only-one-part', 'h.!!!.s', jwt(null), jwt(5), jwt({ sub: 7, exp: '1' })]) {
      expect([tokenExpiry(bad), tokenSubject(bad), tokenExpired(bad)]).toEqual([undefined, undefined, false]);
    }
  });

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

describe('own sends and acks (TimelineSync)', () => {
  const msg = (id: string, from: string, to: { user: string } | { group: string } = { user: 'me' }) => ({ id, conv: 'x', from, to, body: id, cmid: id, sentAt: 0 });
  /** `stored`: what the server's timeline holds (a `sync` returns what is after `after`). */
  function sync(options: { autoAckDelivered?: boolean | 'direct' } = {}, stored: TimelineMessage[] = []) {
    const posted: Record<string, unknown>[] = [];
    const requests: string[] = [];
    const conn = {
      request: async (action: string, fields: { after?: number } = {}) => {
        requests.push(action);
        return { messages: stored.filter((m) => m.seq > (fields.after ?? 0)), head: stored.at(-1)?.seq ?? 0 };
      },
      post: (_action: string, fields: Record<string, unknown>) => void posted.push(fields),
      close() {},
    };
    const acks = new AckBatcher({ ackIntervalMs: 60_000 }, () => conn as never);
    const events: string[] = [];
    const s = new TimelineSync({ gapGraceMs: 10, ...options }, new MemoryStorage(), () => conn as never, acks, (event, arg) => {
      if (event === 'message') events.push((arg as TimelineMessage).message.id);
    }, () => 'me');
    return { s, acks, posted, requests, events };
  }

  it('closes the gap its own sends left from the `own` hint, whichever comes first: the hint or the send reply', async () => {
    const { s, requests, events } = sync();
    s.sent(msg('10', 'me', { user: 'you' }));
    s.onMessage({ timeline: 'inbox', seq: 2, message: msg('11', 'you'), own: [{ seq: 1, id: '10' }] });
    expect(events).toEqual(['11']); // no event for its own message
    // the hint first, the reply after it
    s.onMessage({ timeline: 'inbox', seq: 4, message: msg('13', 'you'), own: [{ seq: 3, id: '12' }] });
    expect(events).toEqual(['11']); // held behind seq 3
    s.sent(msg('12', 'me', { user: 'you' }));
    expect(events).toEqual(['11', '13']);
    await new Promise((r) => setTimeout(r, 50));
    expect(requests).toEqual([]); // no sync
  });

  it('an `own` seq it did not send (another device’s) stays a gap until pushed or pulled', async () => {
    const stored = [
      { timeline: 'inbox' as const, seq: 1, message: msg('20', 'me', { user: 'you' }) },
      { timeline: 'inbox' as const, seq: 2, message: msg('21', 'you') },
    ];
    const { s, requests, events } = sync({}, stored);
    s.onMessage({ timeline: 'inbox', seq: 2, message: msg('21', 'you'), own: [{ seq: 1, id: '20' }] });
    expect(events).toEqual([]);
    await new Promise((r) => setTimeout(r, 50));
    expect(requests).toEqual(['sync']);
    expect(events).toEqual(['20', '21']);
  });

  it('re-pulls a gap the server holds back less and less often, and delivers it once it lands', async () => {
    vi.useFakeTimers();
    try {
      // the server holds the page below seq 1 (its write is in flight): nothing, head 0
      const stored: TimelineMessage[] = [];
      const { s, requests, events } = sync({}, stored);
      s.onMessage({ timeline: 'inbox', seq: 2, message: msg('51', 'you') });
      const pullsBy = async (ms: number) => {
        await vi.advanceTimersByTimeAsync(ms);
        return requests.length;
      };
      // waits 10, 20, 40, 80, 160 ms … (gapGraceMs 10 here), not 10 ms each
      expect(await pullsBy(10)).toBe(1);
      expect(await pullsBy(20)).toBe(2);
      expect(await pullsBy(30)).toBe(2);
      expect(await pullsBy(10)).toBe(3);
      expect(await pullsBy(1000)).toBeLessThanOrEqual(7);
      stored.push({ timeline: 'inbox', seq: 1, message: msg('50', 'you') }, { timeline: 'inbox', seq: 2, message: msg('51', 'you') });
      await vi.advanceTimersByTimeAsync(5000);
      expect(events).toEqual(['50', '51']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops following a group timeline the server no longer lets it read (left or deleted), and says so once', async () => {
    const errors: string[] = [];
    const conn = {
      request: async (_action: string, fields: { timeline?: string } = {}) => {
        if (fields.timeline === 'group:gone') throw new EdgeImError('FORBIDDEN', 'me is not a member of group gone');
        return { messages: [], head: 0 };
      },
      post: () => undefined,
      close() {},
    };
    const s = new TimelineSync({ follow: ['gone', 'kept'] }, new MemoryStorage(), () => conn as never, new AckBatcher({}, () => conn as never), (event, arg) => {
      if (event === 'error') errors.push((arg as EdgeImError).code);
    });
    await Promise.all([...s.followed].map((t) => s.pull(t)));
    expect([...s.followed]).toEqual(['group:kept']);
    expect(errors).toEqual(['FORBIDDEN']);
  });

  it('acks delivered 1:1 messages others sent, batched, with no reply asked; not group messages or its own', () => {
    const { s, acks, posted } = sync();
    s.onMessage({ timeline: 'inbox', seq: 1, message: msg('30', 'you') });
    s.onMessage({ timeline: 'inbox', seq: 2, message: msg('31', 'you') });
    s.onMessage({ timeline: 'inbox', seq: 3, message: msg('32', 'you', { group: 'g' }) });
    s.onMessage({ timeline: 'inbox', seq: 4, message: msg('33', 'me', { user: 'you' }) });
    acks.flush();
    expect(posted).toEqual([{ timeline: 'inbox', seq: 2, kind: 'delivered', reply: false }]);
    const every = sync({ autoAckDelivered: true });
    every.s.onMessage({ timeline: 'inbox', seq: 1, message: msg('40', 'you', { group: 'g' }) });
    every.acks.flush();
    expect(every.posted).toEqual([{ timeline: 'inbox', seq: 1, kind: 'delivered', reply: false }]);
  });
});
