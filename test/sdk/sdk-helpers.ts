import WebSocket from 'ws';
import { EdgeImClient, type EdgeImClientOptions, type TimelineMessage, type Transport, type WebSocketLike } from '../../sdk/index.js';
import { LOCAL_JWT_SECRET } from '../../shared/config.js';
import { signToken } from '../../shared/domain/auth.js';

/** `ws` as the SDK's WebSocket (Node 20 has no global one). */
export const NodeWebSocket = WebSocket as unknown as WebSocketLike;

/** A WebSocket class that counts how many connections (upgrade attempts) were opened. */
export function countingWebSocket(): { ctor: WebSocketLike; attempts: () => number } {
  let n = 0;
  class Counting extends WebSocket {
    constructor(url: string) {
      n++;
      super(url);
    }
  }
  return { ctor: Counting as unknown as WebSocketLike, attempts: () => n };
}

export const token = (uid: string, ttlSeconds?: number) => signToken(uid, LOCAL_JWT_SECRET, ttlSeconds);

/** An SDK client plus everything it emitted, for assertions. */
export interface Probe {
  client: EdgeImClient;
  messages: TimelineMessage[];
  states: string[];
  errors: { code: string; message: string }[];
  /** Resolves once `n` messages passing `filter` were seen (all of them returned). */
  waitFor(n: number, filter?: (m: TimelineMessage) => boolean, timeoutMs?: number): Promise<TimelineMessage[]>;
  waitState(state: string, timeoutMs?: number): Promise<void>;
}

/** Builds a client over `transport` for `uid` that records what it sees; closed by `closeAll`. */
export async function probe(uid: string, transport: Transport, options: Partial<EdgeImClientOptions> = {}, opened: Probe[] = []): Promise<Probe> {
  const client = new EdgeImClient({ transport, token: await token(uid), backoff: { baseMs: 100, maxMs: 1000 }, ackIntervalMs: 200, ...options });
  const p: Probe = {
    client,
    messages: [],
    states: [],
    errors: [],
    async waitFor(n, filter = () => true, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (p.messages.filter(filter).length < n) {
        if (Date.now() > deadline) throw new Error(`${uid}: saw ${p.messages.filter(filter).length} of ${n} messages; states ${p.states.join(' → ')}`);
        await sleep(20);
      }
      return p.messages.filter(filter);
    },
    async waitState(state, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (client.state !== state) {
        if (Date.now() > deadline) throw new Error(`${uid}: state ${client.state}, wanted ${state}; states ${p.states.join(' → ')}`);
        await sleep(10);
      }
    },
  };
  client.on('message', (m) => p.messages.push(m));
  client.on('state', (s) => p.states.push(s.state));
  client.on('error', (e) => p.errors.push({ code: e.code, message: e.message }));
  opened.push(p);
  return p;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Body texts of messages, in the order the app saw them. */
export const texts = (ms: TimelineMessage[]) => ms.map((m) => (m.message.body as { text?: string }).text);
