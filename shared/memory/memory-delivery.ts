import type { Delivery } from '../domain/ports/delivery.js';

/** One call's data as a `@connections` endpoint received it. */
export interface Posted {
  endpoint: string;
  connectionId: string;
  data: string;
}

/**
 * A Delivery (ports/delivery.ts) that keeps what it was given instead of sending it: the
 * `@connections` endpoints of tests. Every connection accepts data until it is marked
 * gone (then 410: 'gone') or disconnected; `failWith` makes posts to one connection
 * reject with a given error (a DeliveryRejectedError, an EndpointUnreachableError, or
 * anything retryable). The gateway extensions are offered: `postBatch` posts each item
 * in order, `postRoom` keeps the broadcast (which members a task holds is the task's
 * business, not the endpoint's).
 */
export class MemoryDelivery implements Delivery {
  readonly posts: Posted[] = [];
  readonly roomPosts: { endpoint: string; rid: string; data: string; except?: string | undefined }[] = [];
  readonly disconnected: string[] = [];
  private readonly goneIds = new Set<string>();
  private readonly failures = new Map<string, unknown>();

  async post(endpoint: string, connectionId: string, data: string): Promise<'ok' | 'gone'> {
    if (this.failures.has(connectionId)) throw this.failures.get(connectionId);
    if (this.goneIds.has(connectionId)) return 'gone';
    this.posts.push({ endpoint, connectionId, data });
    return 'ok';
  }

  async disconnect(_endpoint: string, connectionId: string): Promise<void> {
    this.disconnected.push(connectionId);
    this.goneIds.add(connectionId);
  }

  async postBatch(endpoint: string, items: { connectionId: string; data: string }[]): Promise<{ gone: string[] }> {
    const gone: string[] = [];
    for (const item of items) if ((await this.post(endpoint, item.connectionId, item.data)) === 'gone') gone.push(item.connectionId);
    return { gone };
  }

  async postRoom(endpoint: string, rid: string, data: string, except?: string): Promise<void> {
    this.roomPosts.push({ endpoint, rid, data, except });
  }

  /** Later posts to the connection answer 'gone' (HTTP 410). */
  markGone(connectionId: string): void {
    this.goneIds.add(connectionId);
  }

  /** Later posts to the connection reject with `err` (undefined: they succeed again). */
  failWith(connectionId: string, err: unknown): void {
    if (err === undefined) this.failures.delete(connectionId);
    else this.failures.set(connectionId, err);
  }

  /** The frames a connection received, in order, `batch` frames unpacked. */
  framesTo(connectionId: string): Record<string, unknown>[] {
    return this.posts
      .filter((p) => p.connectionId === connectionId)
      .flatMap((p) => {
        const frame = JSON.parse(p.data) as Record<string, unknown>;
        return frame.type === 'batch' ? (frame.frames as Record<string, unknown>[]) : [frame];
      });
  }
}
