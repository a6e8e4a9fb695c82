import { Agent } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Delivery } from '../domain/ports/delivery.js';
import type { ClientHook } from './clients.js';
import type { GatewaySigner } from './gateway-signer.js';

export interface ConnectionsDeliveryOptions {
  region: string;
  maxAttempts: number;
  /** Sockets per endpoint; match the delivery concurrency. */
  maxSockets: number;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  onClient?: ClientHook;
  /** Signs every call to a gateway task's internal API (API Gateway's endpoints keep SigV4 only). */
  signer?: GatewaySigner;
}

const statusOf = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const nameOf = (err: unknown) => (err as { name?: string }).name;

/**
 * Delivery through `@connections` with the real ApiGatewayManagementApiClient: one
 * keep-alive client per endpoint (API Gateway's management API, a gateway task, or the
 * local emulator all serve the same routes).
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
      if (nameOf(err) === 'GoneException' || statusOf(err) === 410) return 'gone';
      throw err;
    }
  }

  async disconnect(endpoint: string, connectionId: string): Promise<void> {
    try {
      await this.client(endpoint).send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    } catch (err) {
      if (nameOf(err) !== 'GoneException' && statusOf(err) !== 410) throw err;
    }
  }

  /** Gateway extension: many connections of one gateway task in one HTTP call. */
  async postBatch(endpoint: string, items: { connectionId: string; data: string }[]): Promise<{ gone: string[] }> {
    const body = JSON.stringify({ items });
    const url = new URL(`${endpoint}/@batch`);
    const res = await fetch(url, { method: 'POST', headers: await this.gatewayHeaders(url, body), body });
    if (!res.ok) throw new Error(`POST ${endpoint}/@batch answered ${res.status}`);
    return (await res.json()) as { gone: string[] };
  }

  /** Gateway extension: one frame to a gateway task's local members of a room. */
  async postRoom(endpoint: string, rid: string, data: string, except?: string): Promise<void> {
    // A URL path cannot carry the room ids '.' and '..' (dot segments, even encoded): those go in the query.
    const dots = rid === '.' || rid === '..';
    const query = new URLSearchParams({ ...(dots ? { rid } : {}), ...(except ? { except } : {}) }).toString();
    const url = new URL(`${endpoint}/@rooms${dots ? '' : `/${encodeURIComponent(rid)}`}${query ? `?${query}` : ''}`);
    const res = await fetch(url, { method: 'POST', headers: await this.gatewayHeaders(url, data), body: data });
    if (!res.ok) throw new Error(`POST ${endpoint}/@rooms/${rid} answered ${res.status}`);
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

  private client(endpoint: string): ApiGatewayManagementApiClient {
    let client = this.clients.get(endpoint);
    if (!client) {
      const agentOptions = { keepAlive: true, maxSockets: this.options.maxSockets };
      client = new ApiGatewayManagementApiClient({
        endpoint,
        region: this.options.region,
        maxAttempts: this.options.maxAttempts,
        ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
        requestHandler: new NodeHttpHandler({ httpAgent: new HttpAgent(agentOptions), httpsAgent: new Agent(agentOptions) }),
      });
      if (this.options.signer?.signs(endpoint)) this.options.signer.attach(client);
      this.options.onClient?.(client);
      this.clients.set(endpoint, client);
    }
    return client;
  }
}
