/**
 * Pushes bytes to live connections through a `@connections` API (API Gateway's, or the
 * same API served by a gateway task or the local emulator).
 *
 * Contract: `post` resolves 'ok' when the endpoint accepted the data, 'gone' when the
 * connection no longer exists (HTTP 410); it rejects on anything that may succeed later
 * (throttling, 5xx, network), so the caller can retry. `disconnect` closes a connection.
 *
 * The gateway extensions (served by gateway tasks only, never by API Gateway):
 * `postBatch` delivers to many connections of one endpoint in one call, each item's data
 * queued in array order, and resolves the ids that are gone; `postRoom` hands one frame
 * to the endpoint, which delivers it to its own members of the room (but `except`).
 * Both reject on failure like `post`.
 */
export interface Delivery {
  post(endpoint: string, connectionId: string, data: string): Promise<'ok' | 'gone'>;
  disconnect(endpoint: string, connectionId: string): Promise<void>;
  postBatch?(endpoint: string, items: { connectionId: string; data: string }[]): Promise<{ gone: string[] }>;
  postRoom?(endpoint: string, rid: string, data: string, except?: string): Promise<void>;
}
