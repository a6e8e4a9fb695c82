/**
 * goim's logic routes as the OpenAPI document describes them (goim-routes.ts serves
 * them): query parameters (lists repeat the name: `mids=a&mids=b`), the raw body of the
 * push routes, and goim's envelope `{code, message, data}` with an example of each.
 */

type JsonSchema = Record<string, unknown>;

interface GoimParam {
  name: string;
  required: boolean;
  /** A list parameter: repeat the name for each value. */
  repeated?: boolean;
  description: string;
  schema: JsonSchema;
  example: string | number | (string | number)[];
}

/** One goim route for the document. */
export interface GoimRouteDoc {
  id: string;
  method: 'get' | 'post';
  path: string;
  summary: string;
  description: string;
  query: GoimParam[];
  /** Push routes: the raw body is the message. */
  body?: { example: string };
  /** The `data` of a successful answer (goim omits it when there is none). */
  data?: unknown;
}

const int32 = { type: 'integer', minimum: -(2 ** 31), maximum: 2 ** 31 - 1 };
const operation: GoimParam = { name: 'operation', required: true, description: 'Business op (≥ 1000): the goim packet op the clients receive.', schema: { ...int32, minimum: 1000 }, example: 1000 };
const roomType: GoimParam = { name: 'type', required: true, description: 'Room type: goim room `type://room` is the edgeim room `type:room`.', schema: { type: 'string' }, example: 'live' };
const pushBody = { example: '{"score":"2:1"}' };
const pushData = { pushId: 'b7e1d0a4-4c2b-4d7e-9a51-0c7f1b2e3a4d', connections: 2 };

/** Every goim route, in goim's router order. */
export const GOIM_ROUTE_DOCS: readonly GoimRouteDoc[] = [
  {
    id: 'goimPushKeys',
    method: 'post',
    path: '/goim/push/keys',
    summary: 'Push to connection keys',
    description: 'The raw request body to these connections (a goim key is a connection key, as `/v1/users/{uid}/presence` lists them).',
    query: [operation, { name: 'keys', required: true, repeated: true, description: 'Connection keys.', schema: { type: 'string' }, example: ['g1042', 'g1043'] }],
    body: pushBody,
    data: pushData,
  },
  {
    id: 'goimPushMids',
    method: 'post',
    path: '/goim/push/mids',
    summary: 'Push to users',
    description: 'The raw request body to every live connection of these users (a goim mid is a user id).',
    query: [operation, { name: 'mids', required: true, repeated: true, description: 'User ids.', schema: { type: 'string' }, example: ['alice', '1001'] }],
    body: pushBody,
    data: pushData,
  },
  {
    id: 'goimPushRoom',
    method: 'post',
    path: '/goim/push/room',
    summary: 'Push to a room',
    description: 'The raw request body to every connection in the room `type:room` (goim `type://room`).',
    query: [operation, roomType, { name: 'room', required: true, description: 'Room id within the type.', schema: { type: 'string' }, example: '1000' }],
    body: pushBody,
    data: pushData,
  },
  {
    id: 'goimPushAll',
    method: 'post',
    path: '/goim/push/all',
    summary: 'Push to everyone',
    description: 'The raw request body to every live connection, `speed` connections per second when given.',
    query: [operation, { name: 'speed', required: false, description: 'Connections per second (goim\'s broadcast budget); 0 or absent: no pacing.', schema: { type: 'integer', minimum: 0 }, example: 500 }],
    body: pushBody,
    data: pushData,
  },
  {
    id: 'goimOnlineTop',
    method: 'get',
    path: '/goim/online/top',
    summary: 'Busiest rooms of a type',
    description: 'Rooms whose key starts with `type` (as goim matches: `live` also matches `lively`), largest first, at most `limit`.',
    query: [roomType, { name: 'limit', required: true, description: 'How many rooms (≥ 1).', schema: { type: 'integer', minimum: 1 }, example: 10 }],
    data: [
      { room_id: '1000', count: 2 },
      { room_id: '2000', count: 1 },
    ],
  },
  {
    id: 'goimOnlineRoom',
    method: 'get',
    path: '/goim/online/room',
    summary: 'Online counts of rooms',
    description: 'Live connections in each room `type:room`.',
    query: [roomType, { name: 'rooms', required: true, repeated: true, description: 'Room ids within the type.', schema: { type: 'string' }, example: ['1000', '2000'] }],
    data: { '1000': 2, '2000': 1 },
  },
  {
    id: 'goimOnlineTotal',
    method: 'get',
    path: '/goim/online/total',
    summary: 'Online totals',
    description: 'Live connections, and distinct users as `ip_count` (edgeim does not track client addresses).',
    query: [],
    data: { ip_count: 2, conn_count: 3 },
  },
  {
    id: 'goimNodesWeighted',
    method: 'get',
    path: '/goim/nodes/weighted',
    summary: 'Where goim clients connect',
    description: 'The gateway\'s public host and ports (a port of 0 is not served), heartbeat and reconnect backoff.',
    query: [{ name: 'platform', required: false, description: 'Client platform (`web`, `android`, …); the answer is the same for all.', schema: { type: 'string' }, example: 'android' }],
    data: {
      domain: 'gw.example.com',
      tcp_port: 3101,
      ws_port: 3102,
      wss_port: 3103,
      heartbeat: 240,
      heartbeat_max: 2,
      nodes: ['gw.example.com'],
      backoff: { max_delay: 300, base_delay: 3, factor: 1.8, jitter: 1.3 },
    },
  },
  {
    id: 'goimNodesInstances',
    method: 'get',
    path: '/goim/nodes/instances',
    summary: 'Gateway instances',
    description: 'One instance for the gateway fleet behind its load balancer, in goim\'s discovery shape; `addrs` lists the endpoints served, `metadata` what goim\'s logic reads (`weight`, `offline`, `addrs`, `conn_count`, `ip_count`).',
    query: [],
    data: [
      {
        region: 'us-east-1',
        zone: '',
        env: '',
        appid: 'goim.comet',
        hostname: 'gw.example.com',
        addrs: ['tcp://gw.example.com:3101', 'ws://gw.example.com:3102', 'wss://gw.example.com:3103'],
        version: '',
        latest_timestamp: 0,
        metadata: { weight: '10', offline: 'false', addrs: 'gw.example.com', conn_count: '3', ip_count: '2' },
      },
    ],
  },
];

/** What a bad parameter answers (HTTP 200, code -400), by the route's first parameter. */
const BAD_PARAMETER: Record<string, { code: number; message: string }> = {
  operation: { code: -400, message: 'operation: expected an integer from 1000 to 2147483647 (a business op; lower ops are the protocol\'s own), got "abc"' },
  type: { code: -400, message: 'type is required' },
};

const envelope: JsonSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: { type: 'integer' }, message: { type: 'string' }, data: {} },
};

/** The OpenAPI operations of the goim routes, keyed by path. */
export function goimPaths(): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of GOIM_ROUTE_DOCS) {
    const ok = r.data === undefined ? { code: 0, message: '' } : { code: 0, message: '', data: r.data };
    const bad = BAD_PARAMETER[r.query.find((q) => q.required)?.name ?? ''];
    (paths[r.path] ??= {})[r.method] = {
      operationId: r.id,
      tags: ['goim'],
      summary: r.summary,
      description: r.description,
      parameters: r.query.map((q) => ({
        name: q.name,
        in: 'query',
        required: q.required,
        description: q.description + (q.repeated ? ' Repeat the name for each value.' : ''),
        ...(q.repeated ? { schema: { type: 'array', items: q.schema }, style: 'form', explode: true } : { schema: q.schema }),
        example: q.example,
      })),
      ...(r.body ? { requestBody: { required: false, description: 'The message, as is (UTF-8 text reaches clients as a string, other bytes as base64).', content: { 'application/octet-stream': { schema: { type: 'string' }, example: r.body.example } } } } : {}),
      responses: {
        200: {
          description: 'goim\'s envelope: code 0 = OK; -400 a bad parameter, -500 a server error.',
          content: { 'application/json': { schema: envelope, examples: { ok: { value: ok }, ...(bad ? { badParameter: { value: bad } } : {}) } } },
        },
        401: { description: '`UNAUTHORIZED` (code -401), unless EDGEIM_GOIM_ROUTES_OPEN', content: { 'application/json': { schema: envelope, example: { code: -401, message: 'unknown API key' } } } },
        429: { description: '`RATE_LIMITED` (code -429), with Retry-After', content: { 'application/json': { schema: envelope, example: { code: -429, message: 'rate limit of 1000 requests/s exceeded' } } } },
      },
    };
  }
  return paths;
}
