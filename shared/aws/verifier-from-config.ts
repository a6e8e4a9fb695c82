import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { Config } from '../config.js';
import { createTokenVerifier, type TokenVerifier } from '../domain/auth.js';

/**
 * The token verifier the configuration describes, built on first use: only the functions
 * that verify tokens (the authorizer, the gateway) are given the JWT settings and may
 * read the secret (Secrets Manager, cached 5 min). A failed secret fetch is retried on
 * the next call.
 */
export function verifierFromConfig(config: Config): TokenVerifier {
  let verifier: Promise<TokenVerifier> | undefined;
  return {
    async verify(token) {
      verifier ??= createVerifier(config).catch((err: unknown) => {
        verifier = undefined; // retry the secret fetch on the next call
        throw err;
      });
      return (await verifier).verify(token);
    },
  };
}

async function createVerifier(config: Config): Promise<TokenVerifier> {
  const secret = config.EDGEIM_JWT_SECRET_ARN ? await getSecret(config.EDGEIM_JWT_SECRET_ARN, { maxAge: 300 }) : config.EDGEIM_JWT_SECRET;
  return createTokenVerifier({
    ...(typeof secret === 'string' ? { secret } : {}),
    ...(config.EDGEIM_JWKS_URL ? { jwksUrl: config.EDGEIM_JWKS_URL } : {}),
    ...(config.EDGEIM_JWT_ISSUER ? { issuer: config.EDGEIM_JWT_ISSUER } : {}),
    ...(config.EDGEIM_JWT_AUDIENCE ? { audience: config.EDGEIM_JWT_AUDIENCE } : {}),
  });
}
