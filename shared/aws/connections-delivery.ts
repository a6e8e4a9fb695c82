import { Agent } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DeliveryRejectedError, EndpointUnreachableError, type Delivery } from '../domain/ports/delivery.js';
import type { ClientHook } from './clients.js';
import type { GatewaySigner } from './gateway-signer.js';

export interface ConnectionsDeliveryOptions {
  region: string;
  maxAttempts: number;
  /** Sockets per endpoint; match the delivery concurrency. */
  maxSockets: number;
  /**
   * Longest a call may take, connecting included (ms). A gateway task that does not answer
   * within it counts as unreachable; an API Gateway call that does not is retried.
   */
  timeoutMs: number;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  onClient?: ClientHook;
  /** Signs every call to a gateway task's internal API (API Gateway's endpoints keep SigV4 only). */
  signer?: GatewaySigner;
}

const statusOf = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const nameOf = (err: unknown) => (err as { name?: string }).name;
const isGone = (err: unknown) => nameOf(err) === 'GoneException' || statusOf(err) === 410;

/** A 4xx that no retry can turn into a success (410 is 'gone'; 408 and 429 may pass later). */
const isPermanent = (status: number | undefined): status is number => status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 410 && status !== 429;

/** Error codes (Node and undici) of a peer that cannot be reached at all. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ETIMEDOUT', 'ENOTFOUND', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
/** Error codes of a connection lost mid-call (often a keep-alive socket the server just closed). */
const LOST = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** The codes and names in an error, its causes and (AggregateError) its members. */
function errorTraits(err: unknown, depth = 0): string[] {
  if (!err || typeof err !== 'object' || depth > 4) return [];
  const e = err as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
  const own = [e.code, e.name].filter((v): v is string => typeof v === 'string');
  const members = Array.isArray(e.errors) ? e.errors.flatMap((m) => errorTraits(m, depth + 1)) : [];
  return [...own, ...members, ...errorTraits(e.cause, depth + 1)];
}
const isUnreachable = (err: unknown) => errorTraits(err).some((t) => UNREACHABLE.has(t) || t === 'TimeoutError');
const isLost = (err: unknown) => errorTraits(err).some((t) => LOST.has(t));

/**
 * Delivery through `@connections` with the real ApiGatewayManagementApiClient: one
 * keep-alive client per endpoint (API Gateway's management API, a gateway task, or the
 * local emulator all serve the same routes). Every call is bounded by `timeoutMs`.
 */
export class ConnectionsDelivery implements Delivery {
  private readonly clients = new Map<string, ApiGatewayManagementApiClient>();
  private readonly encoder = new TextEncoder();

  constructor(private readonly options: ConnectionsDeliveryOptions) {}

  async post(endpoint: string, connectionId: string, data: string): Promise<'ok' | 'gone'> {
    try {
      await this.client(endpoint).send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: this.encoder.encode(data) }));
      return 'ok';
    } catch (err) {
      if (isGone(err)) return 'gone';
      throw classify(endpoint, `POST ${endpoint}/@connections/${connectionId}`, err);
    }
  }

  async disconnect(endpoint: string, connectionId: string): Promise<void> {
    try {
      await this.client(endpoint).send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    } catch (err) {
      if (!isGone(err)) throw classify(endpoint, `DELETE ${endpoint}/@connections/${connectionId}`, err);
    }
  }

  /** Gateway extension: many connections of one gateway task in one HTTP call. */
  async postBatch(endpoint: string, items: { connectionId: string; data: string }[]): Promise<{ gone: string[] }> {
    const res = await this.call(endpoint, new URL(`${endpoint}/@batch`), JSON.stringify({ items }));
    return (await res.json()) as { gone: string[] };
  }

  /** Gateway extension: one frame to a gateway task's local members of a room. */
  async postRoom(endpoint: string, rid: string, data: string, except?: string): Promise<void> {
    // A URL path cannot carry the room ids '.' and '..' (dot segments, even encoded): those go in the query.
    const dots = rid === '.' || rid === '..';
    const query = new URLSearchParams({ ...(dots ? { rid } : {}), ...(except ? { except } : {}) }).toString();
    const url = new URL(`${endpoint}/@rooms${dots ? '' : `/${encodeURIComponent(rid)}`}${query ? `?${query}` : ''}`);
    const res = await this.call(endpoint, url, data);
    await res.arrayBuffer();
  }

  /** Headers of a gateway extension call: JSON, signed over the request target exactly as it is sent. */
  private async gatewayHeaders(url: URL, body: string): Promise<Record<string, string>> {
    const signer = this.options.signer;
    if (!signer) throw new Error('gateway calls need a signer (EDGEIM_GATEWAY_SECRET)');
    return { 'content-type': 'application/json', ...(await signer.headers('POST', url.pathname + url.search, body)) };
  }

  /** Closes every keep-alive socket. */
  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  /**
   * One POST to a gateway task's internal API, bounded by the timeout (the body read
   * included). A connection lost mid-call is tried once more on a fresh one; a 2xx
   * answer resolves, anything else rejects as the Delivery contract says.
   */
  private async call(endpoint: string, url: URL, body: string): Promise<Response> {
    const what = `POST ${endpoint}${url.pathname}`;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: await this.gatewayHeaders(url, body),
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
      } catch (err) {
        if (attempt === 0 && isLost(err) && !isUnreachable(err)) continue;
        throw classify(endpoint, what, err);
      }
      if (res.ok) return res;
      const text = await res.text().catch(() => '');
      if (isPermanent(res.status)) throw new DeliveryRejectedError(res.status, `${what} answered ${res.status}: ${text.slice(0, 200)}`);
      throw new Error(`${what} answered ${res.status}: ${text.slice(0, 200)}`);
    }
  }

  private client(endpoint: string): ApiGatewayManagementApiClient {
    let client = this.clients.get(endpoint);
    if (!client) {
      const agentOptions = { keepAlive: true, maxSockets: this.options.maxSockets };
      const timeout = this.options.timeoutMs;
      client = new ApiGatewayManagementApiClient({
        endpoint,
        region: this.options.region,
        maxAttempts: this.options.maxAttempts,
        ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
        requestHandler: new NodeHttpHandler({
          httpAgent: new HttpAgent(agentOptions),
          httpsAgent: new Agent(agentOptions),
          connectionTimeout: timeout,
          requestTimeout: timeout,
        }),
      });
      if (this.options.signer?.signs(endpoint)) this.options.signer.attach(client);
      this.options.onClient?.(client);
      this.clients.set(endpoint, client);
    }
    return client;
  }
}

/** Maps a failed call to the Delivery contract's errors. */
function classify(endpoint: string, what: string, err: unknown): unknown {
  const status = statusOf(err);
  if (isPermanent(status)) return new DeliveryRejectedError(status, `${what} answered ${status} (${nameOf(err)})`, { cause: err });
  if (status === undefined && isUnreachable(err)) return new EndpointUnreachableError(endpoint, `${what}: ${endpoint} cannot be reached (${errorTraits(err).join(', ')})`, { cause: err });
  return err;
}
