import { DeliveryFailedError, DeliveryRejectedError } from '../domain/ports/delivery.js';
import { ConfigError } from '../errors.js';
import { classify, isLost, isPermanent, isUnreachable } from './delivery-errors.js';
import type { GatewaySigner } from './gateway-signer.js';

export interface GatewayExtensionsOptions {
  /** Longest a call may take, connecting and the body read included (ms); a task silent past it is unreachable. */
  timeoutMs: number;
  /** Signs every call (the gateway's internal API refuses unsigned ones). */
  signer?: GatewaySigner | undefined;
}

/**
 * The gateway's extensions of `@connections` (docs/GATEWAY.md), served by gateway tasks
 * only: `@batch` (many connections of one task in one call) and `@rooms` (one frame to a
 * task's own members of a room). Calls are signed JSON POSTs bounded by `timeoutMs`;
 * they reject as the Delivery contract says (domain/ports/delivery.ts).
 */
export class GatewayExtensions {
  constructor(private readonly options: GatewayExtensionsOptions) {}

  /** Many connections of one gateway task in one HTTP call; resolves the ids that are gone. */
  async postBatch(endpoint: string, items: { connectionId: string; data: string }[]): Promise<{ gone: string[] }> {
    const res = await this.call(endpoint, new URL(`${endpoint}/@batch`), JSON.stringify({ items }));
    return (await res.json()) as { gone: string[] };
  }

  /** One frame to a gateway task's local members of a room, but `except`. */
  async postRoom(endpoint: string, rid: string, data: string, except?: string): Promise<void> {
    // A URL path cannot carry the room ids '.' and '..' (dot segments, even encoded): those go in the query.
    const dots = rid === '.' || rid === '..';
    const query = new URLSearchParams({ ...(dots ? { rid } : {}), ...(except ? { except } : {}) }).toString();
    const url = new URL(`${endpoint}/@rooms${dots ? '' : `/${encodeURIComponent(rid)}`}${query ? `?${query}` : ''}`);
    const res = await this.call(endpoint, url, data);
    await res.arrayBuffer();
  }

  /** Headers of a call: JSON, signed over the request target exactly as it is sent. */
  private async headers(url: URL, body: string): Promise<Record<string, string>> {
    const signer = this.options.signer;
    if (!signer) throw new ConfigError('gateway calls need a signer (EDGEIM_GATEWAY_SECRET)');
    return { 'content-type': 'application/json', ...(await signer.headers('POST', url.pathname + url.search, body)) };
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
          headers: await this.headers(url, body),
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
      throw new DeliveryFailedError(res.status, `${what} answered ${res.status}: ${text.slice(0, 200)}`);
    }
  }
}
