import WebSocket from 'ws';
import { LOCAL_JWT_SECRET } from '../../shared/config.js';
import { signToken } from '../../shared/domain/auth.js';

export type Frame = Record<string, any>;

/**
 * A WebSocket API client for tests, written from docs/PROTOCOL.md: sends JSON requests with ids,
 * awaits their replies, and keeps every pushed frame (batch frames unpacked) for assertions.
 */
export class TestClient {
  readonly frames: Frame[] = [];
  private readonly waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private nextId = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      for (const f of frame.type === 'batch' ? (frame.frames as Frame[]) : [frame]) this.accept(f);
    });
  }

  static async connect(wsUrl: string, uid: string, query: Record<string, string> = {}): Promise<TestClient> {
    const token = await signToken(uid, LOCAL_JWT_SECRET);
    const ws = new WebSocket(`${wsUrl}/?${new URLSearchParams({ token, ...query })}`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade failed: ${res.statusCode}`)));
    });
    return new TestClient(ws);
  }

  /** Sends a request and resolves with its reply frame. */
  async request(action: string, fields: Frame = {}): Promise<Frame> {
    const id = `r${++this.nextId}`;
    const reply = this.next((f) => f.type === 'reply' && f.id === id);
    this.ws.send(JSON.stringify({ action, id, ...fields }));
    return reply;
  }

  /** Like request, but resolves with `data` and throws on an error reply. */
  async call(action: string, fields: Frame = {}): Promise<any> {
    const reply = await this.request(action, fields);
    if (!reply.ok) throw new Error(`${action} failed: ${JSON.stringify(reply.error)}`);
    return reply.data;
  }

  /** Sends raw text and resolves with the next reply or error frame. */
  async raw(text: string): Promise<Frame> {
    const answer = this.next((f) => f.type === 'reply' || f.type === 'error');
    this.ws.send(text);
    return answer;
  }

  /** Resolves with the first frame (already received or future) matching `match`. */
  next(match: (f: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    const seen = this.frames.find(match);
    if (seen) {
      this.frames.splice(this.frames.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms; have ${JSON.stringify(this.frames).slice(0, 500)}`)), timeoutMs);
      this.waiters.push({ match, resolve: (f) => (clearTimeout(timer), resolve(f)) });
    });
  }

  /** Waits for `count` message frames whose message.body.text passes the filter. */
  async messages(count: number, filter: (f: Frame) => boolean = () => true, timeoutMs?: number): Promise<Frame[]> {
    const out: Frame[] = [];
    while (out.length < count) out.push(await this.next((f) => f.type === 'message' && filter(f), timeoutMs));
    return out;
  }

  /** Frames of a type received and not yet taken. */
  pending(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }

  private accept(frame: Frame): void {
    const i = this.waiters.findIndex((w) => w.match(frame));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w!.resolve(frame);
    } else {
      this.frames.push(frame);
    }
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The HTTP status of a WebSocket upgrade: 101 when it went through (then closed), else the refusal's status. */
export function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('error', (err) => (err.message.includes('Unexpected server response') ? undefined : reject(err)));
  });
}
