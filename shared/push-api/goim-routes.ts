import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { Config } from '../config.js';
import { pushTransient, type PushTarget } from '../domain/push.js';
import { onlineTotals, roomsOnline, topRooms } from '../domain/presence.js';
import { BadRequestError } from '../errors.js';
import { MAX_BUSINESS_OP, MIN_BUSINESS_OP } from '../protocol/goim/ops.js';
import { goimRoomId, goimRoomOf, roomIdPrefixFromGoim } from '../protocol/goim/room-keys.js';
import { ROOM_ID_PATTERN, uidSchema } from '../protocol/identifiers.js';
import { describeIssues } from '../protocol/validation-message.js';
import type { PushApiEnv } from './context.js';
import { keySchema } from './schemas.js';

/**
 * goim's `/online/top` keeps every room whose key `type://room` starts with `type`
 * (`strings.HasPrefix`): `live` matches `live://1` and `lively://2`, `live://1` matches
 * `live://1` and `live://10`. The same on edgeim room ids (`live:1`): `://` in the type is
 * read as `:`. Returns the room (the part after the first `:`), or undefined when the
 * id does not match or is not a goim-style `type:room` id.
 */
function roomWithPrefix(rid: string, prefix: string): string | undefined {
  return rid.startsWith(prefix) ? goimRoomOf(rid)?.room : undefined;
}

const OP_EXPECTED = `expected an integer from ${MIN_BUSINESS_OP} to ${MAX_BUSINESS_OP} (a business op; lower ops are the protocol's own)`;
const opParam = z.coerce.number({ error: OP_EXPECTED }).int({ error: OP_EXPECTED }).min(MIN_BUSINESS_OP, { error: OP_EXPECTED }).max(MAX_BUSINESS_OP, { error: OP_EXPECTED });
const positiveInt = z.coerce.number().int().min(0).max(2 ** 31 - 1);
/** goim binds `limit` as required: 0 is refused like a missing one. */
const limitParam = z.coerce.number().int().min(1).max(2 ** 31 - 1);

/** Validates one query value, naming the parameter in the BAD_REQUEST (goim -400) it raises. */
function param<T>(name: string, schema: z.core.$ZodType<T>, value: string): T {
  const parsed = z.safeParse(schema, value, { reportInput: true });
  if (!parsed.success) throw new BadRequestError(describeIssues(parsed.error.issues, { name, input: value, max: 1 }));
  return parsed.data;
}

/** goim's success envelope: `{code: 0, message: ""}`, plus `data` when there is some (goim omits it when nil). */
const ok = (c: Context, data?: unknown) => c.json(data === undefined ? { code: 0, message: '' } : { code: 0, message: '', data });

function required(c: Context, name: string): string {
  const value = c.req.query(name);
  if (value === undefined || value === '') throw new BadRequestError(`${name} is required`);
  return value;
}

/** A repeated parameter (`mids=a&mids=b`), every value checked with `schema`. */
function list(c: Context, name: string, schema: z.core.$ZodType<string> = z.string()): string[] {
  const values = (c.req.queries(name) ?? []).filter((v) => v !== '');
  if (values.length === 0) throw new BadRequestError(`${name} is required (repeat it for several: ${name}=a&${name}=b)`);
  return values.map((v) => param(name, schema, v));
}

/** goim pushes the raw request body: a UTF-8 string when it is valid UTF-8, else base64. */
export function rawBody(bytes: ArrayBuffer): { body: string; encoding?: 'base64' } {
  try {
    return { body: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    return { body: Buffer.from(bytes).toString('base64'), encoding: 'base64' };
  }
}

async function push(c: Context<PushApiEnv>, to: PushTarget, speed?: number): Promise<Response> {
  const op = param('operation', opParam, required(c, 'operation'));
  const raw = rawBody(await c.req.arrayBuffer());
  const result = await pushTransient(c.get('deps'), {
    op,
    ...raw,
    to,
    speed,
    requestId: c.req.header('Idempotency-Key') ?? randomUUID(),
  });
  return ok(c, result);
}

/** `/goim/nodes/weighted` from configuration: the gateway's public address, as goim's logic answers it. A port of 0 is not served. */
export function nodesReply(config: Config) {
  return {
    domain: config.EDGEIM_NODES_DOMAIN,
    tcp_port: config.EDGEIM_NODES_TCP_PORT,
    ws_port: config.EDGEIM_NODES_WS_PORT,
    wss_port: config.EDGEIM_NODES_WSS_PORT,
    heartbeat: config.EDGEIM_NODES_HEARTBEAT_SECONDS,
    heartbeat_max: config.EDGEIM_NODES_HEARTBEAT_MAX,
    nodes: [config.EDGEIM_NODES_DOMAIN],
    backoff: { max_delay: 300, base_delay: 3, factor: 1.8, jitter: 1.3 },
  };
}

/** The client endpoints the gateway serves (`tcp://`, `ws://`, `wss://` for each port that is not 0). */
export function servedAddrs(config: Config): string[] {
  const host = config.EDGEIM_NODES_DOMAIN;
  const ports: [string, number][] = [
    ['tcp', config.EDGEIM_NODES_TCP_PORT],
    ['ws', config.EDGEIM_NODES_WS_PORT],
    ['wss', config.EDGEIM_NODES_WSS_PORT],
  ];
  return ports.filter(([, port]) => port > 0).map(([scheme, port]) => `${scheme}://${host}:${port}`);
}

/**
 * goim's HTTP API (goim v2's logic routes), answered as goim does: HTTP 200 with
 * `{code, message, data}`, list parameters repeated, push bodies raw. A goim "key" is
 * a connection key, a "mid" a user id. `ip_count` counts distinct users (edgeim does
 * not track client addresses). docs/GATEWAY.md lists every difference from goim.
 */
export function goimRoutes(): Hono<PushApiEnv> {
  const goim = new Hono<PushApiEnv>();
  goim.post('/push/keys', (c) => push(c, { keys: list(c, 'keys', keySchema) }));
  goim.post('/push/mids', (c) => push(c, { users: list(c, 'mids', uidSchema) }));
  goim.post('/push/room', (c) => push(c, { room: goimRoomId(required(c, 'type'), required(c, 'room')) }));
  goim.post('/push/all', (c) => {
    const speed = c.req.query('speed') ? param('speed', positiveInt, c.req.query('speed')!) : 0;
    return push(c, { all: true }, speed > 0 ? speed : undefined);
  });

  goim.get('/online/top', async (c) => {
    const prefix = roomIdPrefixFromGoim(required(c, 'type'));
    const limit = param('limit', limitParam, required(c, 'limit'));
    const tops = await topRooms(c.get('deps'), (rid) => roomWithPrefix(rid, prefix), limit);
    return ok(c, tops.map(({ name, count }) => ({ room_id: name, count })));
  });
  goim.get('/online/room', async (c) => {
    const type = required(c, 'type');
    const rooms = list(c, 'rooms');
    const rids = rooms.map((room) => goimRoomId(type, room, 'rooms'));
    const counts = await roomsOnline(c.get('deps'), rids);
    return ok(c, Object.fromEntries(rooms.map((room, i) => [room, counts[i]])));
  });
  goim.get('/online/total', async (c) => {
    const counts = await onlineTotals(c.get('deps'));
    return ok(c, { ip_count: counts.users, conn_count: counts.connections });
  });

  goim.get('/nodes/weighted', (c) => ok(c, nodesReply(c.get('deps').config)));
  goim.get('/nodes/instances', async (c) => {
    const deps = c.get('deps');
    const config = deps.config;
    const counts = await onlineTotals(deps);
    // One instance for the whole gateway fleet (behind one load balancer), with the
    // metadata goim's logic reads from its comets: weight, offline, addrs, conn_count, ip_count.
    return ok(c, [
      {
        region: config.AWS_REGION,
        zone: '',
        env: '',
        appid: 'goim.comet',
        hostname: config.EDGEIM_NODES_DOMAIN,
        addrs: servedAddrs(config),
        version: '',
        latest_timestamp: 0,
        metadata: {
          weight: '10',
          offline: 'false',
          addrs: config.EDGEIM_NODES_DOMAIN,
          conn_count: String(counts.connections),
          ip_count: String(counts.users),
        },
      },
    ]);
  });
  return goim;
}
