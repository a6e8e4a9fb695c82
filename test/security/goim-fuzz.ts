import { encode, OP } from '../helpers/goim-client.js';

/** A small seeded PRNG (mulberry32): the same seed gives the same fuzz run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(r: Random, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const int = (r: Random, max: number) => Math.floor(r() * max);

const OPS = [OP.Heartbeat, OP.SendMsg, OP.Auth, OP.ChangeRoom, OP.Sub, OP.Unsub, OP.Sync, OP.Ack, OP.Join, OP.Leave, OP.Raw, 0, 1, 3, 5, 6, 8, 10, 11, 1000, 99999, -1, 2 ** 31 - 1];
const STRINGS = ['', 'inbox', 'group:fz', 'group:', 'a:b', '__proto__', 'constructor', 'x'.repeat(70), 'ünïcødé', '\u0000', 'live://1', '..', 'fz-receiver', 'system', '💥'];
const VALUES: unknown[] = [null, true, 0, -1, 1.5, 1e308, 2 ** 53 + 1, NaN, ...STRINGS];

function jsonValue(r: Random, depth: number): unknown {
  const k = r();
  if (depth > 3 || k < 0.5) return pick(r, VALUES);
  if (k < 0.75) return Array.from({ length: int(r, 4) }, () => jsonValue(r, depth + 1));
  const out: Record<string, unknown> = {};
  for (let i = int(r, 4); i > 0; i--) out[pick(r, ['id', 'to', 'body', 'cmid', 'timeline', 'seq', 'kind', 'room', 'after', 'limit', '__proto__', 'user', 'group'])] = jsonValue(r, depth + 1);
  return out;
}

/** A request body that is nearly right: a real shape with one field wrong, or none wrong now and then. */
function nearlyValid(r: Random): unknown {
  const base: Record<string, unknown> = pick(r, [
    { to: { user: pick(r, ['fz-peer', 'a:b', 'fz-receiver']) }, cmid: `c${int(r, 50)}`, body: jsonValue(r, 0) },
    { to: { group: pick(r, ['fz', 'no-such']) }, cmid: `c${int(r, 50)}`, body: 1 },
    { to: { room: pick(r, ['fz-room', 'live:1']) }, body: 'x' },
    { timeline: pick(r, ['inbox', 'group:fz', 'group:a:b']), after: int(r, 5), limit: pick(r, [1, 200, 201, 0]) },
    { timeline: 'inbox', seq: pick(r, [1, 0, -1]), kind: pick(r, ['read', 'delivered', 'seen']) },
    { room: pick(r, ['fz-room', '', 'a b']) },
  ]);
  if (r() < 0.7) base[pick(r, Object.keys(base))] = jsonValue(r, 1);
  if (r() < 0.3) base.id = pick(r, ['x', 'y'.repeat(80), 5]);
  return base;
}

/** A body nested `depth` levels deep. */
const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/**
 * `count` fuzz packets for one connection: mostly well-framed packets with hostile
 * bodies (random JSON, nearly valid requests, deep nesting, random bytes, oversized
 * claims inside Raw), now and then a broken header (which closes the connection).
 */
export function* fuzzPackets(r: Random, count: number, maxBody: number): Generator<Buffer> {
  for (let i = 0; i < count; i++) {
    const op = pick(r, OPS);
    const ver = pick(r, [1, 1, 1, 0, -7, 32767]);
    const k = r();
    let body: Buffer | string;
    if (k < 0.35) body = JSON.stringify(nearlyValid(r));
    else if (k < 0.6) body = JSON.stringify(jsonValue(r, 0)) ?? '';
    else if (k < 0.7) body = deep(pick(r, [63, 65, 1000, 20_000]));
    else if (k < 0.85) body = Buffer.from(Array.from({ length: int(r, 256) }, () => int(r, 256)));
    else if (k < 0.95) body = pick(r, ['', '1000,abc,-5', 'live://x', '{"token":"a.b.c"}', '{"mid":"system"}']);
    else body = encode(pick(r, OPS), Buffer.alloc(int(r, 64)), 0);
    if (Buffer.byteLength(body) > maxBody) body = body.slice(0, maxBody);
    const packet = encode(op, body, int(r, 2 ** 31), ver);
    if (r() < 0.002) {
      // A broken header: the gateway closes the connection (PROTOCOL_ERROR).
      const broken = Buffer.from(packet);
      if (r() < 0.5) broken.writeInt16BE(pick(r, [0, 15, 17, 1000]), 4);
      else broken.writeInt32BE(pick(r, [0, 15, maxBody + 17, 2 ** 31 - 1, -1]), 0);
      yield broken;
      return;
    }
    yield packet;
  }
}
