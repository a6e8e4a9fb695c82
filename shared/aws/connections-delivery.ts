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
import { classify, isGone } from './delivery-errors.js';
import { GatewayExtensions } from './gateway-extensions.js';
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

/**
 * Delivery through `@connections` with the real ApiGatewayManagementApiClient: one
 * keep-alive client per endpoint (API Gateway's management API, a gateway task, or the
 * local emulator all serve the same routes), and the gateway's `@batch` / `@rooms`
 * extensions (gateway-extensions.ts). Every call is bounded by `timeoutMs`.
 */
export class ConnectionsDelivery implements Delivery {
  private readonly clients = new Map<string, ApiGatewayManagementApiClient>();
  private readonly encoder = new TextEncoder();
  private readonly gateway: GatewayExtensions;

  constructor(private readonly options: ConnectionsDeliveryOptions) {
    this.gateway = new GatewayExtensions({ timeoutMs: options.timeoutMs, signer: options.signer });
  }

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

  /** Gateway extension (gateway-extensions.ts): many connections of one gateway task in one HTTP call. */
  postBatch(endpoint: string, items: { connectionId: string; data: string }[]): Promise<{ gone: string[] }> {
    return this.gateway.postBatch(endpoint, items);
  }

  /** Gateway extension (gateway-extensions.ts): one frame to a gateway task's local members of a room. */
  postRoom(endpoint: string, rid: string, data: string, except?: string): Promise<void> {
    return this.gateway.postRoom(endpoint, rid, data, except);
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
          throwOnRequestTimeout: true, // without it the SDK only logs a warning and the call hangs on
        }),
      });
      if (this.options.signer?.signs(endpoint)) this.options.signer.attach(client);
      this.options.onClient?.(client);
      this.clients.set(endpoint, client);
    }
    return client;
  }
}
