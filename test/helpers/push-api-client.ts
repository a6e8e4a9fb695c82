import { LOCAL_API_KEY } from '../../shared/config.js';
import type { Frame } from './ws-client.js';

/** An HTTP answer: status, parsed JSON (or undefined) and headers. */
export interface ApiAnswer {
  status: number;
  body: any;
  headers: Headers;
}

/**
 * A push API client for tests, over real HTTP: JSON for `/v1`, query strings with
 * repeated names and raw bodies for `/goim`.
 */
export class PushApiClient {
  constructor(
    readonly baseUrl: string,
    /** The API key sent as a Bearer token; null sends no Authorization header. */
    readonly key: string | null = LOCAL_API_KEY,
  ) {}

  /** A client with another key (null: none). */
  withKey(key: string | null): PushApiClient {
    return new PushApiClient(this.baseUrl, key);
  }

  async request(method: string, path: string, init: { json?: unknown; raw?: BodyInit; headers?: Record<string, string> } = {}): Promise<ApiAnswer> {
    const headers: Record<string, string> = { ...(this.key ? { authorization: `Bearer ${this.key}` } : {}), ...init.headers };
    let body: BodyInit | undefined = init.raw;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] = 'application/json';
    }
    const streamed = body instanceof ReadableStream ? { duplex: 'half' } : {}; // Node's fetch needs it for a streamed body
    const res = await fetch(this.baseUrl + path, { method, headers, ...(body !== undefined ? { body } : {}), ...streamed } as RequestInit);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, headers ? { headers } : {});
  }

  post(path: string, json: unknown, headers?: Record<string, string>) {
    return this.request('POST', path, { json, ...(headers ? { headers } : {}) });
  }

  delete(path: string) {
    return this.request('DELETE', path);
  }

  /** A goim route: `query` values that are arrays become repeated parameters; `raw` is the body as is. */
  goim(method: 'GET' | 'POST', path: string, query: Record<string, string | number | (string | number)[]> = {}, raw?: BodyInit) {
    const qs = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) for (const v of Array.isArray(value) ? value : [value]) qs.append(name, String(v));
    const q = qs.size ? `?${qs}` : '';
    return this.request(method, `/goim${path}${q}`, raw !== undefined ? { raw } : {});
  }
}

/**
 * Anything that receives server frames the way docs/PROTOCOL.md describes them: the WebSocket-API
 * TestClient, or a gateway client that turns goim packets into `{type: 'push', op, body}`.
 */
export interface Receiver {
  next(match: (f: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  pending(type: string): Frame[];
}

/** Resolves with the push frame of `op` whose body passes `body` (by deep JSON equality when a value). */
export function nextPush(receiver: Receiver, op: number, body?: unknown, timeoutMs?: number): Promise<Frame> {
  const want = body === undefined ? undefined : JSON.stringify(body);
  return receiver.next((f) => f.type === 'push' && f.op === op && (want === undefined || JSON.stringify(f.body) === want), timeoutMs);
}
