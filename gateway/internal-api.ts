import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ChannelState } from './channel.js';
import { FrameTranslationError, translateFrameText, type OutPacket } from './frame-packets.js';
import type { Gateway } from './gateway.js';
import { disconnectReason } from './disconnect-codes.js';

/** Largest request body the internal API reads (a job's `/@batch` of many connections). */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

const CONNECTION = /^(?:\/[^/@]+)?\/@connections\/([^/?]+)$/;
const ROOM = /^(?:\/[^/@]+)?\/@rooms\/([^/?]+)$/;
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
 * - `POST /@rooms/{rid}[?except=<connectionId>]`: body = one JSON frame → 200
 *   `{"delivered": n}`: the task fans the frame out to its own members of the room,
 *   encoded once (goim's comet-side room broadcast). Pushes here are room pushes: no
 *   accepts filtering.
 * - `GET /healthz`: 200 `{"status": "ok", "connections": n}`; 503 while shutting down.
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

  let m = CONNECTION.exec(path);
  if (m) {
    const ch = gw.channel(decodeURIComponent(m[1]!));
    if (!ch || ch.state !== ChannelState.Open) {
      req.resume();
      return gone(res);
    }
    if (method === 'GET') {
      req.resume();
      return json(res, 200, {
        ConnectedAt: new Date(ch.connectedAt).toISOString(),
        LastActiveAt: new Date(ch.lastActive).toISOString(),
        Identity: { SourceIp: ch.remoteAddress(), UserAgent: `goim-${ch.transport}` },
      });
    }
    if (method === 'DELETE') {
      req.resume();
      gw.close(ch, disconnectReason('CLOSED_BY_SERVER', 'closed by the server'), true);
      res.writeHead(204).end();
      return;
    }
    if (method !== 'POST') return methodNotAllowed(req, res);
    const text = await readBody(req, res);
    if (text === undefined) return;
    const packets = translate(res, text, false);
    if (!packets) return;
    return gw.deliver(ch, packets) ? empty(res) : gone(res);
  }

  if (method !== 'POST') return methodNotAllowed(req, res);

  if (BATCH.test(path)) {
    const text = await readBody(req, res);
    if (text === undefined) return;
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
    const rid = decodeURIComponent(m[1]!);
    const except = q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get('except');
    const text = await readBody(req, res);
    if (text === undefined) return;
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

  req.resume();
  return json(res, 404, { message: 'Not Found' });
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

function readBody(req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
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
    req.on('end', () => resolve(size > MAX_REQUEST_BYTES ? undefined : chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function gone(res: ServerResponse): void {
  json(res, 410, { message: 'Gone' }, { 'x-amzn-errortype': 'GoneException' });
}

function empty(res: ServerResponse): void {
  res.writeHead(200, { 'content-length': '0' }).end();
}

function methodNotAllowed(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  json(res, 405, { message: 'Method Not Allowed' });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
}
