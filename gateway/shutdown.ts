import type { Server } from 'node:http';
import type { Server as NetServer } from 'node:net';
import type { WebSocketServer } from 'ws';
import type { Gateway } from './gateway.js';

/** What a gateway listens with. */
export interface Listeners {
  tcp: NetServer;
  ws: Server;
  wss: WebSocketServer;
  http: Server;
}

/**
 * Graceful stop (SIGTERM on Fargate), bounded by `timeoutMs`:
 * 1. stop accepting (listeners closed, `/healthz` answers 503 so the NLB drains);
 * 2. every connection gets what is queued for it, then DisconnectReply SERVER_SHUTDOWN,
 *    and is half-closed (clients reconnect to another task);
 * 3. every session is removed from the sessions table;
 * 4. whatever is still open when the time is up is destroyed; the internal API closes.
 */
export async function shutdown(gw: Gateway, listeners: Listeners, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const closedTcp = new Promise<void>((resolve) => listeners.tcp.close(() => resolve()));
  const closedWs = new Promise<void>((resolve) => listeners.ws.close(() => resolve()));
  gw.drain();
  await Promise.race([gw.connections.removalsSettled(), sleep(Math.max(0, deadline - Date.now() - 200))]);
  // Give clients a moment to read the DisconnectReply and close their side.
  const linger = Math.min(1000, Math.max(0, deadline - Date.now() - 100));
  const lingerUntil = Date.now() + linger;
  while (Date.now() < lingerUntil && gw.connections.counts.transports > 0) await sleep(10);
  for (const ch of [...gw.connections.transportChannels()]) ch.destroy();
  listeners.wss.close();
  listeners.ws.closeAllConnections();
  listeners.http.closeAllConnections();
  await Promise.race([
    Promise.all([closedTcp, closedWs, new Promise<void>((resolve) => listeners.http.close(() => resolve()))]),
    sleep(Math.max(0, deadline - Date.now())),
  ]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
