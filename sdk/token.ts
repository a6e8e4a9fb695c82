/**
 * Reads a JWT's `exp` (seconds) without verifying it — the server verifies; the client
 * only wants to know whether to refresh before connecting. Undefined when unreadable.
 *
 * @example
 * tokenExpiry(token) // 1795318111
 */
export function tokenExpiry(token: string): number | undefined {
  const exp = claims(token)?.exp;
  return typeof exp === 'number' ? exp : undefined;
}

/** True when the token's `exp` has passed (unreadable tokens are left to the server). */
export function tokenExpired(token: string, nowMs = Date.now()): boolean {
  const exp = tokenExpiry(token);
  return exp !== undefined && exp * 1000 <= nowMs;
}

/** The token's `sub` (the user id), or undefined when unreadable. */
export function tokenSubject(token: string): string | undefined {
  const sub = claims(token)?.sub;
  return typeof sub === 'string' ? sub : undefined;
}

/** The unverified claims of a JWT (its base64url payload as JSON), or undefined when unreadable. */
function claims(token: string): { exp?: unknown; sub?: unknown } | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const claims: unknown = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=')));
    return claims !== null && typeof claims === 'object' ? claims : undefined;
  } catch {
    return undefined;
  }
}
