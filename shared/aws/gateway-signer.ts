import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { buildQueryString } from '@smithy/core/protocols';
import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';
import { SIGNATURE_HEADER, signatureHeader } from '../protocol/gateway-signature.js';

/** Resolves the gateway internal API secret; each call may return a newer value (a cached secret rotates). */
export type SecretSource = () => Promise<string>;

/**
 * The gateway internal API secret from the configuration: EDGEIM_GATEWAY_SECRET, or the
 * Secrets Manager secret EDGEIM_GATEWAY_SECRET_ARN (its string value, cached 5 minutes).
 * Neither set: the source rejects (a gateway refuses to start; a signer cannot sign).
 */
export function gatewaySecretSource(config: Pick<Config, 'EDGEIM_GATEWAY_SECRET' | 'EDGEIM_GATEWAY_SECRET_ARN'>): SecretSource {
  const arn = config.EDGEIM_GATEWAY_SECRET_ARN;
  if (arn) {
    return async () => {
      const value = await getSecret(arn, { maxAge: 300 });
      if (typeof value !== 'string' || value.length < 32) throw new ConfigError('the secret at EDGEIM_GATEWAY_SECRET_ARN must be a string of at least 32 characters');
      return value;
    };
  }
  const secret = config.EDGEIM_GATEWAY_SECRET;
  if (secret) return () => Promise.resolve(secret);
  return () => Promise.reject(new ConfigError('the gateway internal API needs EDGEIM_GATEWAY_SECRET or EDGEIM_GATEWAY_SECRET_ARN'));
}

/** The part of an AWS SDK client a signer needs. */
interface MiddlewareClient {
  middlewareStack: { addRelativeTo: (...args: any[]) => void };
}

interface SdkRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

/**
 * Signs calls to gateway tasks' internal APIs (shared/protocol/gateway-signature.ts)
 * and leaves API Gateway's `@connections` alone (SigV4 only): an endpoint is API
 * Gateway's when it is one of `apiGatewayEndpoints` (EDGEIM_WS_MANAGEMENT_ENDPOINT, the
 * local emulator's) or its host is under amazonaws.com; every other endpoint is a
 * gateway task's. A gateway mistaken for API Gateway would refuse the unsigned call
 * (401), never accept it.
 */
export class GatewaySigner {
  constructor(
    private readonly secret: SecretSource,
    private readonly apiGatewayEndpoints: readonly string[] = [],
  ) {}

  /** Whether calls to `endpoint` are signed (it is a gateway task's). */
  signs(endpoint: string): boolean {
    if (this.apiGatewayEndpoints.includes(endpoint)) return false;
    try {
      const host = new URL(endpoint).hostname;
      return !(host.endsWith('.amazonaws.com') || host.endsWith('.amazonaws.com.cn'));
    } catch {
      return true;
    }
  }

  /** Headers for one call: `x-edgeim-signature` over method, target (path and query) and body. */
  async headers(method: string, target: string, body?: string | Uint8Array): Promise<Record<string, string>> {
    return { [SIGNATURE_HEADER]: signatureHeader(await this.secret(), { method, target, body }) };
  }

  /**
   * Adds signing to an ApiGatewayManagementApiClient bound to a gateway endpoint: after
   * the retry step, so every attempt is signed with a fresh time.
   */
  attach(client: MiddlewareClient): void {
    client.middlewareStack.addRelativeTo(
      (next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
        const request = args.request as SdkRequest;
        const query = request.query ? buildQueryString(request.query) : '';
        const target = query ? `${request.path}?${query}` : request.path;
        Object.assign(request.headers, await this.headers(request.method, target, request.body as Uint8Array | string | undefined));
        return next(args);
      },
      { name: 'edgeimGatewaySignature', relation: 'after', toMiddleware: 'retryMiddleware', override: true },
    );
  }
}
