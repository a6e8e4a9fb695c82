import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { WebSocketServer, type WebSocket } from 'ws';
import { readBody } from '../shared/http-body.js';

type Handler = (event: never) => Promise<unknown>;

/** The Lambda handlers behind the routes, exactly as deployed. */
export interface WsRoutes {
  authorizer: Handler;
  /** Route key → handler: `$connect`, `$disconnect`, `$default` and custom routes such as `heartbeat`. */
  routes: Record<string, Handler>;
}

export interface WsApiEmulatorOptions {
  port: number;
  host?: string;
  stage?: string;
  /** API Gateway's message cap (128 KiB); bigger messages close the connection with 1009. */
  maxMessageBytes?: number;
  /** API Gateway's idle timeout (10 min). */
  idleTimeoutMs?: number;
  onError?: (err: unknown, where: string) => void;
}

/** A scripted failure of `POST @connections`, for fault tests. */
export interface PostFault {
  match: (data: string, connectionId: string) => boolean;
  times: number;
  status?: number;
}

interface Connection {
  socket: WebSocket;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
  authorizer: Record<string, unknown>;
  queue: Promise<void>;
  idle?: NodeJS.Timeout;
}

/** API Gateway's largest WebSocket message: a larger `@connections` POST is refused with 413, a larger route response fails. */
const MAX_POST_BYTES = 128 * 1024;
const CONNECTIONS_PATH = /^(?:\/[^/]+)?\/@connections\/([^/?]+)$/;

/**
 * Routes API Gateway answers by itself (MOCK integrations, as the CDK stack configures
 * them): no Lambda, no store. `ping` is the keep-alive: `{"type":"pong","time":<epoch ms>}`,
 * the time the request arrived (infra/constructs/websocket-api.ts, PONG_TEMPLATE).
 */
export const MOCK_ROUTES: Record<string, (requestTimeEpoch: number) => string> = {
  ping: (time) => `{"type":"pong","time":${time}}`,
};

/**
 * An API Gateway WebSocket API on one port: upgrades run the REQUEST authorizer and
 * `$connect`; messages are routed by `$request.body.action` to API-Gateway-shaped events
 * (or answered by a MOCK route: `ping`); route responses go back to the client (none when
 * the handler's response has no body); `POST/GET/DELETE /@connections/{id}` is served
 * on the same port (410 + `x-amzn-errortype: GoneException` for unknown ids).
 */
export class WsApiEmulator {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly connections = new Map<string, Connection>();
  private readonly faults: PostFault[] = [];
  /** `$disconnect` invocations still running, awaited by close(). */
  private readonly disconnecting = new Set<Promise<void>>();
  private readonly stage: string;
  private readonly apiId = randomBytes(5).toString('hex');
  private routes: WsRoutes | undefined;
  /** Set by close(): new upgrades are refused. */
  closing = false;
  /** Counts of `@connections` calls by method, for benchmarks. */
  readonly calls = { POST: 0, GET: 0, DELETE: 0 };

  constructor(private readonly options: WsApiEmulatorOptions) {
    this.stage = options.stage ?? 'local';
    this.server = createServer((req, res) => this.management(req, res));
    this.server.keepAliveTimeout = 60_000;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? 128 * 1024 });
    this.server.on('upgrade', (req, socket, head) => {
      this.upgrade(req, socket, head).catch((err: unknown) => {
        this.options.onError?.(err, 'upgrade');
        reject(socket, 500, 'Internal Server Error');
      });
    });
  }

  /** Attaches the handlers (done after start, once the ports are known). */
  setRoutes(routes: WsRoutes): void {
    this.routes = routes;
  }

  async listen(): Promise<number> {
    // A deep accept queue, as API Gateway's edge has: a connect storm waits in it instead of being reset.
    await new Promise<void>((resolve) => this.server.listen({ port: this.options.port, host: this.options.host ?? '127.0.0.1', backlog: 4096 }, resolve));
    return (this.server.address() as { port: number }).port;
  }

  /** Management endpoint as API Gateway exposes it (`https://{domain}/{stage}`), here over http. */
  endpoint(port: number): string {
    return `http://${this.options.host ?? '127.0.0.1'}:${port}/${this.stage}`;
  }

  /** Makes the next `times` matching posts fail with `status` (default 500). */
  injectPostFault(fault: PostFault): void {
    this.faults.push(fault);
  }

  /** Drops a connection without running `$disconnect` (as when API Gateway loses it). */
  dropWithoutDisconnect(connectionId: string): void {
    const conn = this.connections.get(connectionId);
    if (!conn) return;
    this.connections.delete(connectionId);
    conn.socket.terminate();
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const conn of this.connections.values()) conn.socket.close(1001, 'Going away');
    while (this.connections.size > 0 || this.disconnecting.size > 0) {
      await Promise.all([...this.disconnecting]);
      if (this.connections.size > 0) await new Promise((r) => setTimeout(r, 10));
    }
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private context(connectionId: string, routeKey: string, eventType: string, conn?: Partial<Connection>) {
    const now = Date.now();
    return {
      routeKey,
      eventType,
      messageDirection: 'IN',
      stage: this.stage,
      connectionId,
      connectedAt: conn?.connectedAt ?? now,
      requestTimeEpoch: now,
      requestId: randomUUID(),
      extendedRequestId: randomUUID(),
      messageId: eventType === 'MESSAGE' ? randomBytes(12).toString('base64') : undefined,
      domainName: `127.0.0.1:${(this.server.address() as { port: number }).port}`,
      apiId: this.apiId,
      identity: { sourceIp: conn?.sourceIp ?? '127.0.0.1', userAgent: conn?.userAgent ?? '' },
      authorizer: conn?.authorizer,
    };
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const routes = this.routes;
    if (!routes || this.closing) return reject(socket, 503, 'Service Unavailable');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams);
    const connectionId = randomBytes(12).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    const base = { connectedAt: Date.now(), sourceIp: req.socket.remoteAddress ?? '', userAgent: req.headers['user-agent'] ?? '' };
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));

    let policy: { principalId?: string; context?: Record<string, unknown>; policyDocument?: { Statement?: { Effect?: string }[] } };
    try {
      policy = (await routes.authorizer({
        type: 'REQUEST',
        methodArn: `arn:aws:execute-api:us-east-1:000000000000:${this.apiId}/${this.stage}/$connect`,
        headers,
        queryStringParameters: query,
        stageVariables: {},
        requestContext: this.context(connectionId, '$connect', 'CONNECT', base),
      } as never)) as typeof policy;
    } catch {
      return reject(socket, 401, 'Unauthorized');
    }
    if (policy.policyDocument?.Statement?.some((s) => s.Effect === 'Deny')) return reject(socket, 403, 'Forbidden');
    const authorizer = { ...policy.context, principalId: policy.principalId };

    const connected = (await routes.routes.$connect?.({
      headers,
      queryStringParameters: query,
      requestContext: this.context(connectionId, '$connect', 'CONNECT', { ...base, authorizer }),
      isBase64Encoded: false,
    } as never)) as APIGatewayProxyResultV2 | undefined;
    const status = typeof connected === 'object' ? (connected.statusCode ?? 200) : 200;
    if (status < 200 || status > 299) return reject(socket, status, 'Connect Refused');

    // `$connect` registered the connection: if the upgrade never opens (the client left
    // meanwhile, or its handshake headers are refused), `$disconnect` must forget it.
    let opened = false;
    const abandoned = () => {
      if (opened) return;
      opened = true;
      const done = this.disconnect(connectionId, { ...base, authorizer });
      this.disconnecting.add(done);
      void done.finally(() => this.disconnecting.delete(done));
    };
    if (socket.destroyed) abandoned();
    else socket.once('close', abandoned);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      opened = true;
      const conn: Connection = { socket: ws, ...base, lastActiveAt: base.connectedAt, authorizer, queue: Promise.resolve() };
      this.connections.set(connectionId, conn);
      this.touch(conn);
      ws.on('message', (data, isBinary) => {
        this.touch(conn);
        const body = isBinary ? Buffer.from(data as Buffer).toString('base64') : data.toString();
        conn.queue = conn.queue.then(() => this.message(connectionId, conn, body, isBinary));
      });
      ws.on('close', () => {
        clearTimeout(conn.idle);
        if (this.connections.get(connectionId) !== conn) return;
        this.connections.delete(connectionId);
        const done = conn.queue.then(() => this.disconnect(connectionId, conn));
        this.disconnecting.add(done);
        void done.finally(() => this.disconnecting.delete(done));
      });
      ws.on('error', (err) => this.options.onError?.(err, 'socket'));
    });
  }

  private touch(conn: Connection): void {
    conn.lastActiveAt = Date.now();
    clearTimeout(conn.idle);
    conn.idle = setTimeout(() => conn.socket.close(1001, 'Going away'), this.options.idleTimeoutMs ?? 600_000);
    conn.idle.unref();
  }

  private async message(connectionId: string, conn: Connection, body: string, isBinary: boolean): Promise<void> {
    const routes = this.routes?.routes ?? {};
    const routeKey = routeKeyOf(body, { ...MOCK_ROUTES, ...routes });
    const mock = Object.hasOwn(MOCK_ROUTES, routeKey) && !Object.hasOwn(routes, routeKey) ? MOCK_ROUTES[routeKey] : undefined;
    if (mock) {
      if (conn.socket.readyState === conn.socket.OPEN) conn.socket.send(mock(Date.now()));
      return;
    }
    const handler = routes[routeKey];
    if (!handler) return;
    try {
      const result = (await handler({
        body,
        isBase64Encoded: isBinary,
        requestContext: this.context(connectionId, routeKey, 'MESSAGE', conn),
      } as never)) as APIGatewayProxyResultV2 | undefined;
      const reply = typeof result === 'object' ? result.body : result;
      // A route response past API Gateway's message size cannot be sent: the integration fails.
      if (reply && Buffer.byteLength(reply) > MAX_POST_BYTES) throw new Error(`route response of ${Buffer.byteLength(reply)} bytes is over API Gateway's 128 KiB message limit`);
      if (reply && conn.socket.readyState === conn.socket.OPEN) conn.socket.send(reply);
    } catch (err) {
      // API Gateway answers a failed integration with this message and keeps the connection.
      this.options.onError?.(err, routeKey);
      conn.socket.send(JSON.stringify({ message: 'Internal server error', connectionId, requestId: randomUUID() }));
    }
  }

  private async disconnect(connectionId: string, conn?: Partial<Connection>): Promise<void> {
    try {
      await this.routes?.routes.$disconnect?.({ requestContext: this.context(connectionId, '$disconnect', 'DISCONNECT', conn) } as never);
    } catch (err) {
      this.options.onError?.(err, '$disconnect');
    }
  }

  /** `@connections` management API. */
  private management(req: IncomingMessage, res: ServerResponse): void {
    const match = CONNECTIONS_PATH.exec((req.url ?? '').split('?')[0] ?? '');
    if (!match) return json(res, 404, { message: 'Not Found' });
    const connectionId = decodeURIComponent(match[1] ?? '');
    const method = req.method as 'POST' | 'GET' | 'DELETE';
    if (method in this.calls) this.calls[method]++;
    const conn = this.connections.get(connectionId);
    if (!conn) {
      req.resume();
      return json(res, 410, { message: 'Gone' }, { 'x-amzn-errortype': 'GoneException' });
    }
    if (method === 'GET') {
      return json(res, 200, {
        ConnectedAt: new Date(conn.connectedAt).toISOString(),
        LastActiveAt: new Date(conn.lastActiveAt).toISOString(),
        Identity: { SourceIp: conn.sourceIp, UserAgent: conn.userAgent },
      });
    }
    if (method === 'DELETE') {
      req.resume();
      conn.socket.close(1000, 'Closed by server');
      res.writeHead(204).end();
      return;
    }
    if (method !== 'POST') return json(res, 405, { message: 'Method Not Allowed' });
    void readBody(req, MAX_POST_BYTES).then((body) => {
      if (body === undefined) return json(res, 413, { message: 'Payload Too Large' }, { 'x-amzn-errortype': 'PayloadTooLargeException', connection: 'close' });
      const data = body.toString('utf8');
      const fault = this.faults.find((f) => f.times > 0 && f.match(data, connectionId));
      if (fault) {
        fault.times--;
        return json(res, fault.status ?? 500, { message: 'Injected fault' }, { 'x-amzn-errortype': 'InternalServerErrorException' });
      }
      conn.socket.send(data);
      res.writeHead(200, { 'content-length': '0' }).end();
    }, () => res.destroy());
  }
}

/**
 * The route of a message, as API Gateway selects it with `$request.body.action`: the
 * action when it names a configured route (own keys only: `constructor`, `__proto__`,
 * `hasOwnProperty` or `valueOf` are not routes), else `$default` (also for anything that
 * is not a JSON object). `$`-routes are never selected by a message.
 */
export function routeKeyOf(body: string, routes: Record<string, unknown>): string {
  let action: unknown;
  try {
    const value = JSON.parse(body) as unknown;
    if (value !== null && typeof value === 'object' && Object.hasOwn(value, 'action')) action = (value as { action: unknown }).action;
  } catch {
    return '$default'; // not JSON: $default answers it
  }
  return typeof action === 'string' && !action.startsWith('$') && Object.hasOwn(routes, action) ? action : '$default';
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
}

function reject(socket: Duplex, status: number, reason: string): void {
  if (!socket.writable) return void socket.destroy();
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
}
