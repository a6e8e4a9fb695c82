import type { LocalStack } from '../../local/stack.js';
import { SIGNATURE_HEADER, signatureHeader } from '../../shared/protocol/gateway-signature.js';

/**
 * fetch for a gateway task's internal API, signed as the fan-out job signs
 * (`x-edgeim-signature`, shared/protocol/gateway-signature.ts) with the stack's secret.
 * `secret: null` sends no signature; another string signs with a wrong secret.
 */
export function gatewayFetch(stack: LocalStack, path: string, init: { method?: string; body?: string; secret?: string | null; headers?: Record<string, string> } = {}): Promise<Response> {
  const url = new URL(stack.gateway.endpoint + path);
  const method = init.method ?? (init.body !== undefined ? 'POST' : 'GET');
  const secret = init.secret === undefined ? stack.config.EDGEIM_GATEWAY_SECRET! : init.secret;
  const headers: Record<string, string> = { ...init.headers };
  if (secret !== null) headers[SIGNATURE_HEADER] = signatureHeader(secret, { method, target: url.pathname + url.search, body: init.body });
  return fetch(url, { method, headers, ...(init.body !== undefined ? { body: init.body } : {}) });
}
