import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { checkSignature, sha256Hex, SIGNATURE_HEADER } from '../shared/protocol/gateway-signature.js';
import { readBody } from '../shared/http-body.js';
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
 * The task's internal HTTP API, not exposed through the NLB: `@connections` (the
 * PostToConnection contract, so `ApiGatewayManagementApiClient` works against it),
 * `/@batch`, `/@rooms/{rid}` and `/healthz`; routes, bodies and answers are in
 * docs/GATEWAY.md, "Internal API (the task's `@connections`)". Every call but `/healthz`
 * must carry a valid, unseen `x-edgeim-signature` (gateway-signature.ts, replay-guard.ts),
 * else it is answered 401 before its body is read, and nothing happens.
 */
export function createInternalApi(gw: Gateway): Server {
  const server = createServer((req, res) => {
    handle(gw, req, res).catch((err: unknown) => {
      gw.app.logger.error('internal api failed', { url: req.url, error: err });
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
    return json(res, gw.isDraining ? 503 : 200, { status: gw.isDraining ? 'draining' : 'ok', connections: gw.connections.counts.open });
  }

  const header = req.headers[SIGNATURE_HEADER];
  const check = checkSignature(await gw.options.internalSecret(), typeof header === 'string' ? header : undefined, { method, target: url });
  if (!check.ok) return unauthorized(gw, req, res, check.reason);
  if (!gw.replays.admit(check.t, check.nonce)) return unauthorized(gw, req, res, 'signature seen before (replay)');
  const raw = await readBody(req, MAX_REQUEST_BYTES);
  if (raw === undefined) {
    gw.replays.release(check.t, check.nonce);
    return json(res, 413, { message: 'Payload Too Large' }, { 'x-amzn-errortype': 'PayloadTooLargeException', connection: 'close' });
  }
  if (sha256Hex(raw) !== check.bodyHash) {
    gw.replays.release(check.t, check.nonce); // not the signed call: the genuine one may still come
    return unauthorized(gw, req, res, 'body does not match its signature');
  }
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
          if (!(err instanceof FrameTranslationError)) throw err;
          return json(res, 400, { message: `item ${item.connectionId}: ${err.message}` });
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
    return json(res, 200, { delivered: gw.broadcastRoom(rid, packets, except) });
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
