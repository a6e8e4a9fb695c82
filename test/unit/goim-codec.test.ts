import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_MAX_BODY,
  HEADER_SIZE,
  Op,
  PacketReader,
  ProtocolError,
  decodePacket,
  decodeRawBatch,
  encodeConcatenated,
  encodeInto,
  encodePacket,
  encodeRawBatch,
  encodedLength,
  isBusinessOp,
  opName,
  type Packet,
} from '../../shared/protocol/goim/index.js';

const int16 = fc.integer({ min: -0x8000, max: 0x7fff });
const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const packetArb = (maxBody: number): fc.Arbitrary<Packet> =>
  fc.record({ ver: int16, op: int32, seq: int32, body: fc.uint8Array({ maxLength: maxBody }) });

/** Comparable form: bodies as hex, so views and copies compare equal. */
function plain(packets: readonly Packet[]): { ver: number; op: number; seq: number; body: string }[] {
  return packets.map((p) => ({
    ver: p.ver,
    op: p.op,
    seq: p.seq,
    body: Buffer.from(p.body.buffer, p.body.byteOffset, p.body.byteLength).toString('hex'),
  }));
}

/** Feeds `chunks` to a fresh reader and returns what it emitted. */
function readAll(chunks: readonly Uint8Array[], maxBody?: number): Packet[] {
  const out: Packet[] = [];
  const reader = new PacketReader((p) => out.push(p), maxBody === undefined ? {} : { maxBody });
  for (const c of chunks) reader.push(c);
  expect(reader.bufferedBytes).toBe(0);
  return out;
}

/** Splits `buf` at the given sorted cut points, copying each piece (like fresh TCP reads). */
function cut(buf: Uint8Array, points: readonly number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, buf.length]) {
    pieces.push(Uint8Array.from(buf.subarray(prev, p)));
    prev = p;
  }
  return pieces;
}

/** A header with arbitrary raw fields, for malformed input. */
function rawHeader(packLen: number, headerLen: number, bodyLen = 0): Buffer {
  const b = Buffer.alloc(HEADER_SIZE + bodyLen);
  b.writeInt32BE(packLen, 0);
  b.writeInt16BE(headerLen, 4);
  b.writeInt16BE(1, 6);
  b.writeInt32BE(Op.SendMsg, 8);
  return b;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toBeInstanceOf(Error);
    return (err as ProtocolError).reason;
  }
  throw new Error('expected a ProtocolError');
}

describe('goim ops', () => {
  it('has goim and edgeim op codes', () => {
    expect([Op.Handshake, Op.Heartbeat, Op.HeartbeatReply, Op.Auth, Op.Raw, Op.UnsubReply]).toEqual([0, 2, 3, 7, 9, 17]);
    expect([Op.Sync, Op.SyncReply, Op.Ack, Op.AckReply, Op.Join, Op.Leave]).toEqual([18, 19, 20, 21, 22, 23]);
    expect([Op.JoinReply, Op.LeaveReply, Op.Message, Op.Notify]).toEqual([24, 25, 26, 27]);
  });

  it('tells business ops apart', () => {
    expect(isBusinessOp(1000)).toBe(true);
    expect(isBusinessOp(0x7fffffff)).toBe(true);
    expect(isBusinessOp(999)).toBe(false);
    expect(isBusinessOp(Op.Notify)).toBe(false);
    expect(isBusinessOp(1000.5)).toBe(false);
    expect(opName(Op.Heartbeat)).toBe('Heartbeat');
    expect(opName(1001)).toBe('business(1001)');
    expect(opName(500)).toBe('unknown(500)');
  });
});

describe('goim packet', () => {
  it('round-trips any packet through encodePacket/decodePacket', () => {
    fc.assert(
      fc.property(packetArb(4096), (p) => {
        const buf = encodePacket(p);
        expect(buf.length).toBe(encodedLength(p.body.length));
        expect(buf.readInt32BE(0)).toBe(HEADER_SIZE + p.body.length);
        expect(buf.readInt16BE(4)).toBe(HEADER_SIZE);
        expect(plain([decodePacket(buf)])).toEqual(plain([p]));
      }),
      { numRuns: 300 },
    );
  });

  it('encodes into a caller buffer at an offset and decodes without copying the body', () => {
    fc.assert(
      fc.property(packetArb(512), fc.nat(64), (p, offset) => {
        const pool = Buffer.alloc(offset + encodedLength(p.body.length) + 8, 0xee);
        const written = encodeInto(pool, offset, p.ver, p.op, p.seq, p.body);
        expect(written).toBe(encodedLength(p.body.length));
        expect(pool[offset + written]).toBe(0xee);
        const frame = pool.subarray(offset, offset + written);
        const decoded = decodePacket(frame);
        expect(plain([decoded])).toEqual(plain([p]));
        expect(decoded.body.buffer).toBe(pool.buffer);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses to write past the end of the caller buffer', () => {
    expect(() => encodeInto(Buffer.alloc(20), 0, 1, 2, 3, new Uint8Array(5))).toThrow(RangeError);
    expect(() => encodeInto(Buffer.alloc(40), 30, 1, 2, 3, new Uint8Array(0))).toThrow(RangeError);
  });

  it('keeps ver 0 (goim bench client) and wraps unsigned seq to int32', () => {
    const p = decodePacket(encodePacket({ ver: 0, op: Op.Heartbeat, seq: 0xffffffff, body: new Uint8Array(0) }));
    expect(p).toMatchObject({ ver: 0, op: Op.Heartbeat, seq: -1 });
    expect(p.body.length).toBe(0);
  });

  it('rejects a headerLen other than 16', () => {
    for (const headerLen of [0, 15, 17, -1, 0x1000]) {
      expect(codeOf(() => decodePacket(rawHeader(16, headerLen)))).toBe('BAD_HEADER_LEN');
    }
  });

  it('rejects a negative or short packLen', () => {
    for (const packLen of [-1, -0x80000000, 0, 1, 15]) {
      expect(codeOf(() => decodePacket(rawHeader(packLen, 16)))).toBe('BAD_PACK_LEN');
    }
  });

  it('accepts a body exactly at the max and rejects one byte more', () => {
    const atMax = encodePacket({ ver: 1, op: 1000, seq: 1, body: new Uint8Array(DEFAULT_MAX_BODY).fill(7) });
    expect(decodePacket(atMax).body.length).toBe(DEFAULT_MAX_BODY);
    const over = encodePacket({ ver: 1, op: 1000, seq: 1, body: new Uint8Array(DEFAULT_MAX_BODY + 1) });
    expect(codeOf(() => decodePacket(over))).toBe('TOO_LARGE');
    const small = encodePacket({ ver: 1, op: 1000, seq: 1, body: new Uint8Array(100) });
    expect(decodePacket(small, 100).body.length).toBe(100);
    expect(codeOf(() => decodePacket(small, 99))).toBe('TOO_LARGE');
    expect(codeOf(() => decodePacket(rawHeader(0x7fffffff, 16)))).toBe('TOO_LARGE');
  });

  it('rejects a message shorter or longer than its packLen', () => {
    const buf = encodePacket({ ver: 1, op: 4, seq: 9, body: new Uint8Array(10) });
    expect(codeOf(() => decodePacket(buf.subarray(0, 10)))).toBe('TRUNCATED');
    expect(codeOf(() => decodePacket(buf.subarray(0, 20)))).toBe('TRUNCATED');
    expect(codeOf(() => decodePacket(Buffer.concat([buf, Buffer.alloc(1)])))).toBe('BAD_PACK_LEN');
  });
});

describe('goim PacketReader', () => {
  const fixed: Packet[] = [
    { ver: 1, op: Op.Auth, seq: 1, body: Buffer.from('{"mid":1,"key":"k","room_id":"live://1"}') },
    { ver: 0, op: Op.Heartbeat, seq: 2, body: new Uint8Array(0) },
    { ver: 1, op: 1001, seq: -7, body: Uint8Array.from({ length: 40 }, (_, i) => i) },
    { ver: -1, op: Op.SendMsg, seq: 0x7fffffff, body: Buffer.from('x') },
  ];
  const stream = encodeConcatenated(fixed);

  it('reassembles a stream cut at every byte boundary', () => {
    for (let i = 0; i <= stream.length; i++) {
      expect(plain(readAll(cut(stream, [i])))).toEqual(plain(fixed));
    }
  });

  it('reassembles a stream cut at every pair of byte boundaries', () => {
    for (let i = 0; i <= stream.length; i++) {
      for (let j = i; j <= stream.length; j++) {
        expect(plain(readAll(cut(stream, [i, j])))).toEqual(plain(fixed));
      }
    }
  });

  it('reassembles a stream fed one byte at a time', () => {
    const bytes = Array.from(stream.keys(), (i) => i + 1).slice(0, -1);
    expect(plain(readAll(cut(stream, bytes)))).toEqual(plain(fixed));
  });

  it('reassembles any packets cut at every byte boundary', () => {
    fc.assert(
      fc.property(fc.array(packetArb(48), { minLength: 1, maxLength: 5 }), (packets) => {
        const buf = encodeConcatenated(packets);
        for (let i = 0; i <= buf.length; i++) {
          expect(plain(readAll(cut(buf, [i])))).toEqual(plain(packets));
        }
      }),
      { numRuns: 50 },
    );
  });

  it('reassembles any packets cut at random points', () => {
    fc.assert(
      fc.property(
        fc.array(packetArb(2048), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (packets, rawCuts) => {
          const buf = encodeConcatenated(packets);
          const points = [...new Set(rawCuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
          expect(plain(readAll(cut(buf, points)))).toEqual(plain(packets));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('does not copy packets lying inside one chunk and holds nothing when idle', () => {
    const out: Packet[] = [];
    const reader = new PacketReader((p) => out.push(p));
    reader.push(stream);
    expect(out.map((p) => p.body.buffer === stream.buffer)).toEqual([true, true, true, true]);
    expect(reader.bufferedBytes).toBe(0);
    reader.push(stream.subarray(0, 20));
    expect(reader.bufferedBytes).toBe(20);
  });

  it('throws ProtocolError on a bad header, also when it arrives split', () => {
    const cases: [Buffer, string][] = [
      [rawHeader(16, 15), 'BAD_HEADER_LEN'],
      [rawHeader(-5, 16), 'BAD_PACK_LEN'],
      [rawHeader(15, 16), 'BAD_PACK_LEN'],
      [rawHeader(HEADER_SIZE + 101, 16), 'TOO_LARGE'],
    ];
    for (const [bad, code] of cases) {
      const withGood = Buffer.concat([encodePacket(fixed[1]!), bad]);
      for (let i = 0; i <= withGood.length; i++) {
        const got: Packet[] = [];
        const reader = new PacketReader((p) => got.push(p), { maxBody: 100 });
        expect(codeOf(() => cut(withGood, [i]).forEach((c) => reader.push(c)))).toBe(code);
        expect(got.length).toBe(1);
      }
    }
  });

  it('accepts a body exactly at the reader max', () => {
    const p: Packet = { ver: 1, op: 1000, seq: 3, body: new Uint8Array(100).fill(9) };
    const buf = encodePacket(p);
    expect(plain(readAll(cut(buf, [7, 50]), 100))).toEqual(plain([p]));
    expect(codeOf(() => readAll([buf], 99))).toBe('TOO_LARGE');
  });
});

describe('goim Raw batches', () => {
  it('round-trips the WebSocket form (op-9 wrapper) and the TCP form (concatenated)', () => {
    fc.assert(
      fc.property(fc.array(packetArb(512), { maxLength: 10 }), int16, int32, (packets, ver, seq) => {
        const wrapped = decodePacket(encodeRawBatch(packets, ver, seq), 1 << 20);
        expect(wrapped).toMatchObject({ ver, op: Op.Raw, seq });
        expect(plain(decodeRawBatch(wrapped.body))).toEqual(plain(packets));

        const tcp = encodeConcatenated(packets);
        expect(tcp.equals(Buffer.from(wrapped.body))).toBe(true);
        expect(plain(readAll([tcp]))).toEqual(plain(packets));
      }),
      { numRuns: 200 },
    );
  });

  it('defaults the outer header to ver 1, seq 0', () => {
    const batch = decodePacket(encodeRawBatch([{ ver: 1, op: 1000, seq: 0, body: Buffer.from('hi') }]));
    expect(batch).toMatchObject({ ver: 1, op: Op.Raw, seq: 0 });
  });

  it('validates each inner header', () => {
    const good = encodePacket({ ver: 1, op: 1000, seq: 0, body: Buffer.from('ok') });
    const batch = (bad: Buffer) => Buffer.concat([good, bad]);
    expect(codeOf(() => decodeRawBatch(batch(rawHeader(16, 12))))).toBe('BAD_HEADER_LEN');
    expect(codeOf(() => decodeRawBatch(batch(rawHeader(-1, 16))))).toBe('BAD_PACK_LEN');
    expect(codeOf(() => decodeRawBatch(batch(rawHeader(8, 16))))).toBe('BAD_PACK_LEN');
    expect(codeOf(() => decodeRawBatch(batch(rawHeader(200, 16)), 100))).toBe('TOO_LARGE');
    expect(codeOf(() => decodeRawBatch(batch(rawHeader(40, 16))))).toBe('TRUNCATED');
    expect(codeOf(() => decodeRawBatch(batch(Buffer.alloc(5))))).toBe('TRUNCATED');
    expect(decodeRawBatch(new Uint8Array(0))).toEqual([]);
  });
});
