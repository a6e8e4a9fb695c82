import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { LOCAL_JWT_SECRET } from '../../shared/config.js';
import { GoimClient, OP } from '../helpers/goim-client.js';
import { useTestStack } from '../helpers/local-stack.js';

/**
 * Tokens are meant to be short-lived (docs/PROTOCOL.md: minutes to hours), so that a
 * revoked user or a leaked token stops working soon. A connection must not outlive the
 * token it was opened with by more than the platform's own cap.
 */
describe('a gateway connection and the token it authenticated with', () => {
  const t = useTestStack({ env: { EDGEIM_HEARTBEAT_TIMEOUT_MS: '4000' } }); // the sweep runs every second

  // Defect, not fixed here: the gateway checks `exp` once, at Auth. A goim connection opened
  // with a token that expires a second later keeps sending, receiving and renewing its
  // session for as long as it heartbeats (days), while a WebSocket API connection ends at
  // API Gateway's 2 h cap. Fix: keep the token's exp on the channel and let the sweep close
  // it at expiry with a DisconnectReply that says to reconnect with a fresh token (e.g. a
  // TOKEN_EXPIRED code, reconnect true; the SDK's refreshToken then runs), or at least cap
  // a connection's age at 2 h as the WebSocket API does.
  it.fails('is closed (DisconnectReply) once that token has expired', { timeout: 15_000 }, async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('short-lived').setExpirationTime(exp).sign(new TextEncoder().encode(LOCAL_JWT_SECRET));
    const c = await GoimClient.tcp(t.stack.gateway.ports.tcp);
    expect((await c.auth({ token })).op).toBe(OP.AuthReply);
    const closed = c.next((p) => p.op === OP.DisconnectReply, 5000);
    // keep heartbeating past the expiry, as a live client does
    const beat = setInterval(() => c.isClosed || c.request(OP.Heartbeat, OP.HeartbeatReply).catch(() => undefined), 500);
    try {
      expect((await closed).json).toMatchObject({ reconnect: true });
    } finally {
      clearInterval(beat);
      await c.close();
    }
  });
});
