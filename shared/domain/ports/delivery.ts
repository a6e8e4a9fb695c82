/**
 * Pushes bytes to live connections through a `@connections` API (API Gateway's, or the
 * same API served by a gateway task or the local emulator).
 *
 * Contract: `post` resolves 'ok' when the endpoint accepted the data, 'gone' when the
 * connection no longer exists (HTTP 410); it rejects on anything that may succeed later
 * (throttling, 5xx, network), so the caller can retry. `disconnect` closes a connection.
 */
export interface Delivery {
  post(endpoint: string, connectionId: string, data: string): Promise<'ok' | 'gone'>;
  disconnect(endpoint: string, connectionId: string): Promise<void>;
}
