/**
 * goim codec micro-benchmark: encode+decode of a 16-byte header + 100-byte body next
 * to a bare hand-written baseline measured in the same run, and PacketReader
 * throughput on 100-byte packets delivered in 64 KiB chunks.
 *
 *   npx tsx bench/codec.bench.ts
 *
 * Each case is timed in several interleaved rounds (about 1 s per case in all) and
 * reports the median round, which keeps the ratio stable on a noisy machine.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HEADER_SIZE, PacketReader, decodePacket, encodeConcatenated, encodeInto } from '../shared/protocol/goim/index.js';
import type { Packet } from '../shared/protocol/goim/index.js';

/** Figures from one run; times in ns per operation. */
export interface CodecBenchResult {
  bodyBytes: number;
  baseline: { encodeNs: number; decodeNs: number; roundTripNs: number };
  codec: { encodeNs: number; decodeNs: number; roundTripNs: number };
  /** codec.roundTripNs / baseline.roundTripNs. */
  ratio: number;
  reader: { chunkBytes: number; mbPerSec: number; packetsPerSec: number };
  /** XOR of the loops' results; meaningless except that computing it keeps the work alive. */
  checksum: number;
}

const BODY_BYTES = 100;
const CHUNK_BYTES = 64 * 1024;
const ROUNDS = 5;

/** A timed case: runs `n` iterations and returns a checksum (so no work is dead). */
type Loop = (n: number) => number;

const body = Buffer.alloc(BODY_BYTES, 0x5a);
const frameLen = HEADER_SIZE + BODY_BYTES;
// One pool per side, as a gateway's pooled write buffer would be.
const basePool = Buffer.alloc(frameLen);
const codecPool = Buffer.alloc(frameLen);

/** The bare baseline's packet write: Buffer's own big-endian writes, no checks. */
function bareEncode(buf: Buffer, seq: number): void {
  buf.writeInt32BE(frameLen, 0);
  buf.writeInt32BE((HEADER_SIZE << 16) | 1, 4);
  buf.writeInt32BE(1000, 8);
  buf.writeInt32BE(seq, 12);
  body.copy(buf, HEADER_SIZE);
}

/** The bare baseline's packet read: the header fields and a body view, summed so no work is dead. */
function bareDecode(buf: Buffer): number {
  const packLen = buf.readInt32BE(0);
  const hv = buf.readInt32BE(4);
  const op = buf.readInt32BE(8);
  const seq = buf.readInt32BE(12);
  return buf.subarray(HEADER_SIZE, packLen).length + hv + op + seq;
}

const baselineEncode: Loop = (n) => {
  const buf = basePool;
  for (let i = 0; i < n; i++) bareEncode(buf, i);
  return buf[15]!;
};

const baselineDecode: Loop = (n) => {
  const buf = basePool;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += bareDecode(buf);
  return sum;
};

const baselineRoundTrip: Loop = (n) => {
  const buf = basePool;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    bareEncode(buf, i);
    sum += bareDecode(buf);
  }
  return sum;
};

const codecEncode: Loop = (n) => {
  const buf = codecPool;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += encodeInto(buf, 0, 1, 1000, i, body);
  return sum;
};

const codecDecode: Loop = (n) => {
  const buf = codecPool;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = decodePacket(buf);
    sum += p.body.length + p.ver + p.op + p.seq;
  }
  return sum;
};

const codecRoundTrip: Loop = (n) => {
  const buf = codecPool;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    encodeInto(buf, 0, 1, 1000, i, body);
    const p = decodePacket(buf);
    sum += p.body.length + p.ver + p.op + p.seq;
  }
  return sum;
};

/** A stream of 100-byte packets cut into 64 KiB chunks (packets straddle chunks). */
function readerCase(): { loop: Loop; bytes: number; packets: number } {
  const packets: Packet[] = Array.from({ length: 40_000 }, (_, i) => ({ ver: 1, op: 1000, seq: i, body }));
  const stream = encodeConcatenated(packets);
  const chunks: Buffer[] = [];
  for (let off = 0; off < stream.length; off += CHUNK_BYTES) chunks.push(stream.subarray(off, off + CHUNK_BYTES));
  const loop: Loop = (n) => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const reader = new PacketReader((p) => {
        sum += p.body.length;
      });
      for (const chunk of chunks) reader.push(chunk);
    }
    return sum;
  };
  return { loop, bytes: stream.length, packets: packets.length };
}

/** Runs `loop` for about `ms`; returns ns per iteration and the loop's checksum. */
function timeFor(loop: Loop, ms: number): { ns: number; check: number } {
  let n = 1;
  let check = 0;
  let elapsed = 0;
  for (; elapsed < 20e6; n *= 4) elapsed = timeOnce(loop, n, (c) => (check ^= c));
  n = Math.max(1, Math.round(((n / 4) * ms * 1e6) / elapsed));
  return { ns: timeOnce(loop, n, (c) => (check ^= c)) / n, check };
}

/** Runs `loop(n)` once and returns the elapsed ns; its checksum goes to `keep`. */
function timeOnce(loop: Loop, n: number, keep: (check: number) => void): number {
  const t0 = process.hrtime.bigint();
  keep(loop(n));
  return Number(process.hrtime.bigint() - t0);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/**
 * Measures every case in interleaved rounds and returns the median of each, plus a
 * checksum of all results (reported, so the optimiser cannot drop the work).
 */
function measure(cases: Record<string, Loop>, msPerCase: number): { ns: Record<string, number>; check: number } {
  const samples: Record<string, number[]> = {};
  let check = 0;
  for (const [name, loop] of Object.entries(cases)) {
    check ^= timeFor(loop, 50).check; // warm-up: reach optimised code before measuring
    samples[name] = [];
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, loop] of Object.entries(cases)) {
      const t = timeFor(loop, msPerCase / ROUNDS);
      samples[name]!.push(t.ns);
      check ^= t.check;
    }
  }
  return { ns: Object.fromEntries(Object.entries(samples).map(([name, xs]) => [name, median(xs)])), check };
}

/** Runs the benchmark (msPerCase: measuring time per case, default 1000) and returns the figures. */
export function run(options: { msPerCase?: number; print?: boolean } = {}): CodecBenchResult {
  const msPerCase = options.msPerCase ?? 1000;
  encodeInto(codecPool, 0, 1, 1000, 0, body);
  basePool.set(codecPool);
  const reader = readerCase();
  const { ns, check } = measure(
    { baselineEncode, baselineDecode, baselineRoundTrip, codecEncode, codecDecode, codecRoundTrip, reader: reader.loop },
    msPerCase,
  );
  const readerSec = ns.reader! / 1e9;
  const result: CodecBenchResult = {
    bodyBytes: BODY_BYTES,
    baseline: { encodeNs: ns.baselineEncode!, decodeNs: ns.baselineDecode!, roundTripNs: ns.baselineRoundTrip! },
    codec: { encodeNs: ns.codecEncode!, decodeNs: ns.codecDecode!, roundTripNs: ns.codecRoundTrip! },
    ratio: ns.codecRoundTrip! / ns.baselineRoundTrip!,
    reader: {
      chunkBytes: CHUNK_BYTES,
      mbPerSec: reader.bytes / readerSec / 1e6,
      packetsPerSec: reader.packets / readerSec,
    },
    checksum: check,
  };
  if (options.print ?? true) print(result);
  return result;
}

function print(r: CodecBenchResult): void {
  const f = (x: number): string => x.toFixed(1).padStart(9);
  const row = (name: string, b: number, c: number): string => `${name.padEnd(16)}${f(b)}${f(c)}${(c / b).toFixed(2).padStart(8)}`;
  console.log(`goim codec, ${HEADER_SIZE}-byte header + ${r.bodyBytes}-byte body (ns/op, median of ${ROUNDS} rounds)`);
  console.log(`${'case'.padEnd(16)}${'baseline'.padStart(9)}${'codec'.padStart(9)}${'ratio'.padStart(8)}`);
  console.log(row('encode', r.baseline.encodeNs, r.codec.encodeNs));
  console.log(row('decode', r.baseline.decodeNs, r.codec.decodeNs));
  console.log(row('encode+decode', r.baseline.roundTripNs, r.codec.roundTripNs));
  const { chunkBytes, mbPerSec, packetsPerSec } = r.reader;
  console.log(`PacketReader, ${chunkBytes / 1024} KiB chunks: ${mbPerSec.toFixed(0)} MB/s, ${(packetsPerSec / 1e6).toFixed(2)} M packets/s`);
}

const entry = process.argv[1];
if (entry !== undefined && resolve(entry) === fileURLToPath(import.meta.url)) run();
