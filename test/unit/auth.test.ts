import { createServer } from 'node:http';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier, signToken } from '../../shared/domain/auth.js';
import { UnauthorizedError } from '../../shared/errors.js';

describe('token verification', () => {
  it('accepts a valid HS256 token and names the uid', async () => {
    const verifier = createTokenVerifier({ secret: 's3cret' });
    expect(await verifier.verify(await signToken('alice', 's3cret', 60))).toMatchObject({ uid: 'alice' });
  });

  it.each([
    ['missing', undefined, /missing token/],
    ['expired', 'expired', /expired/],
    ['wrong secret', 'wrong', /invalid token/],
    ['alg none', 'none', /invalid token/],
  ])('refuses a %s token with UnauthorizedError', async (_n, kind, message) => {
    const verifier = createTokenVerifier({ secret: 's3cret' });
    const token =
      kind === 'expired'
        ? await signToken('alice', 's3cret', -10)
        : kind === 'wrong'
          ? await signToken('alice', 'other', 60)
          : kind === 'none'
            ? `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"alice","exp":9999999999}').toString('base64url')}.`
            : undefined;
    const err = await verifier.verify(token).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect((err as Error).message).toMatch(message);
  });

  it('verifies ES256 tokens against a JWKS URL, with issuer and audience', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/jwks.json`;
      const verifier = createTokenVerifier({ jwksUrl: url, issuer: 'https://issuer', audience: 'edgeim' });
      const sign = (aud: string) =>
        new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setSubject('bob').setIssuer('https://issuer').setAudience(aud).setExpirationTime('5m').sign(privateKey);
      expect(await verifier.verify(await sign('edgeim'))).toMatchObject({ uid: 'bob' });
      await expect(verifier.verify(await sign('someone-else'))).rejects.toBeInstanceOf(UnauthorizedError);
    } finally {
      server.close();
    }
  });
});
