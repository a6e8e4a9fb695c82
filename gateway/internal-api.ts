import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { checkSignature, sha256Hex, SIGNATURE_HEADER } from '../shared/protocol/gateway-signature.js';
import { ChannelState } from './channel.js';
import { FrameTranslationError, translateFrameText, type OutPacket } from './frame-packets.js';
import type { Gateway } from './gateway.js';
import { disconnectReason } from './disconnect-codes.js';

/** Largest request body the internal API reads (a job's `/@batch` of many connections). */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

const CONNECTION = /^(?:\/[^/@]+)?\/@connections\/([^/?]+)$/;
const ROOM = /^(?:\/[^/@]+)?\/@rooms(?:\/([^/?]+))?$/;
const BATCH = /^(?:\/[^/@]+)?\/@batch$/;

/**
 * The task's internal HTTP API (not exposed through the NLB):
 *
 * - `POST /@connections/{id}`: body = one JSON frame (docs/PROTOCOL.md: `message`, `notify`,
 *   `push`, `batch`) → 200 (queued for the connection), 410 with
 *   `x-amzn-errortype: GoneException` when the connection is not here (any more),
 *   400 for a frame the gateway cannot translate. The same contract as API Gateway's
 *   PostToConnection, so `ApiGatewayManagementApiClient` works against it unchanged.
 * - `GET /@connections/{id}`: `{ConnectedAt, LastActiveAt, Identity: {SourceIp}}` or 410.
 * - `DELETE /@connections/{id}`: DisconnectReply CLOSED_BY_SERVER and close → 204, or 410.
 * - `POST /@batch`: `{"items": [{"connectionId", "data"}]}` → 200 `{"gone": [ids]}`:
 *   many connections in one call; identical `data` strings are translated once.
 * - `POST /@rooms/{rid}[?except=<connectionId>]` (or `/@rooms?rid=<rid>`, for the room
 *   ids `.` and `..` that a URL path cannot carry): body = one JSON frame → 200
 *   `{"delivered": n}`: the task fans the frame out to its own members of the room,
 *   encoded once (goim's comet-side room broadcast). Pushes here are room pushes: no
 *   accepts filtering.
 * - `GET /healthz`: 200 `{"status": "ok", "connections": n}`; 503 while shutting down.
 *
 * Credential: every call but `/healthz` must carry `x-edgeim-signature`, an HMAC with
 * the shared secret over method, request target, time and body hash
 * (shared/protocol/gateway-signature.ts); without a valid one it is answered 401
 * (`x-amzn-errortype: UnauthorizedException`) before its body is read, and nothing
 * happens. `/healthz` stays open for the load balancer's and ECS's health checks: it
 * tells only whether the task is up and how many connections it holds.
 *
 * Accepts: a `push` frame through `/@connections` or `/@batch` reaches a connection
 * only if its `accepts` hold the op, unless the frame carries `"room": rid`.
 */
export function createInternalApi(gw: Gateway): Server {
  const server = createServer((req, res) => {
    handle(gw, req, res).catch((err: unknown) => {
      gw.app.logger.error('internal api failed', { url: req.url, err: String(err) });
      if (!res.headersSent) json(res, 500, { message: 'Internal Server Error' });
    });
  });
  server.keepAliveTimeout = 60_000;
  return server;
}

async function handle(gw: Gateway, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const method = req.method ?? 'GET';

  if (path === '/healthz') {
    req.resume();
    return json(res, gw.draining ? 503 : 200, { status: gw.draining ? 'draining' : 'ok', connections: gw.channels.size });
  }

  const header = req.headers[SIGNATURE_HEADER];
  const check = checkSignature(await gw.options.internalSecret(), typeof header === 'string' ? header : undefined, { method, target: url });
  if (!check.ok) return unauthorized(gw, req, res, check.reason);
  const raw = await readBody(req, res);
  if (raw === undefined) return;
  if (sha256Hex(raw) !== check.bodyHash) return unauthorized(gw, req, res, 'body does not match its signature');
  const text = raw.toString('utf8');

  let m = CONNECTION.exec(path);
  if (m) {
    const id = decodePart(m[1]!);
    if (id === undefined) return json(res, 400, { message: 'bad connection id' }, { 'x-amzn-errortype': 'BadRequestException' });
    const ch = gw.channel(id);
    if (!ch || ch.state !== ChannelState.Open) return gone(res);
    if (method === 'GET') {
      return json(res, 200, {
        ConnectedAt: new Date(ch.connectedAt).toISOString(),
        LastActiveAt: new Date(ch.lastActive).toISOString(),
        Identity: { SourceIp: ch.remoteAddress(), UserAgent: `goim-${ch.transport}` },
      });
    }
    if (method === 'DELETE') {
      gw.close(ch, disconnectReason('CLOSED_BY_SERVER', 'closed by the server'), true);
      res.writeHead(204).end();
      return;
    }
    if (method !== 'POST') return methodNotAllowed(res);
    const packets = translate(res, text, false);
    if (!packets) return;
    return gw.deliver(ch, packets) ? empty(res) : gone(res);
  }

  if (method !== 'POST') return methodNotAllowed(res);

  if (BATCH.test(path)) {
    let items: unknown;
    try {
      items = (JSON.parse(text) as { items?: unknown }).items;
    } catch {
      return json(res, 400, { message: 'body is not valid JSON' });
    }
    if (!Array.isArray(items)) return json(res, 400, { message: 'body must be {"items": [{"connectionId", "data"}]}' });
    const translated = new Map<string, OutPacket[]>();
    const goneIds: string[] = [];
    for (const item of items as { connectionId?: unknown; data?: unknown }[]) {
      if (!item || typeof item.connectionId !== 'string' || typeof item.data !== 'string') {
        return json(res, 400, { message: 'each item needs a string connectionId and a string data' });
      }
      let packets = translated.get(item.data);
      if (!packets) {
        try {
          packets = translateFrameText(item.data, false);
        } catch (err) {
          return json(res, 400, { message: `item ${item.connectionId}: ${(err as Error).message}` });
        }
        translated.set(item.data, packets);
      }
      const ch = gw.channel(item.connectionId);
      if (!ch || !gw.deliver(ch, packets)) goneIds.push(item.connectionId);
    }
    return json(res, 200, { gone: goneIds });
  }

  m = ROOM.exec(path);
  if (m) {
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    const rid = m[1] !== undefined ? decodePart(m[1]) : (query.get('rid') ?? undefined);
    if (rid === undefined) return json(res, 400, { message: 'bad room id' }, { 'x-amzn-errortype': 'BadRequestException' });
    const except = query.get('except');
    const packets = translate(res, text, true);
    if (!packets) return;
    let delivered = 0;
    const members = gw.rooms.members(rid);
    if (members) {
      // A member closed as a slow consumer during the loop leaves the Set; Set iteration allows that.
      for (const ch of members) {
        if (ch.id !== except && gw.deliver(ch, packets)) delivered++;
      }
    }
    return json(res, 200, { delivered });
  }

  return json(res, 404, { message: 'Not Found' });
}

/** A refused call: 401, nothing done; the reason is logged, never the header. */
function unauthorized(gw: Gateway, req: IncomingMessage, res: ServerResponse, reason: string): void {
  req.resume();
  gw.app.logger.warn('internal api call refused', { reason, method: req.method, from: req.socket.remoteAddress });
  json(res, 401, { message: 'Unauthorized' }, { 'x-amzn-errortype': 'UnauthorizedException' });
}

/** A percent-decoded path segment, or undefined when its escapes are malformed. */
function decodePart(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

function translate(res: ServerResponse, text: string, inRoom: boolean): OutPacket[] | undefined {
  try {
    return translateFrameText(text, inRoom);
  } catch (err) {
    if (!(err instanceof FrameTranslationError)) throw err;
    json(res, 400, { message: err.message }, { 'x-amzn-errortype': 'BadRequestException' });
    return undefined;
  }
}

/** The request body (at most MAX_REQUEST_BYTES; larger answers 413 and resolves undefined). */
function readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BYTES) {
        req.pause();
        json(res, 413, { message: 'Payload Too Large' }, { 'x-amzn-errortype': 'PayloadTooLargeException', connection: 'close' });
        resolve(undefined);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_REQUEST_BYTES ? undefined : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

function gone(res: ServerResponse): void {
  json(res, 410, { message: 'Gone' }, { 'x-amzn-errortype': 'GoneException' });
}

function empty(res: ServerResponse): void {
  res.writeHead(200, { 'content-length': '0' }).end();
}

function methodNotAllowed(res: ServerResponse): void {
  json(res, 405, { message: 'Method Not Allowed' });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
}
