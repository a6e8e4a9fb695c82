/**
 * Unit tests of the client's rules against a scripted transport (the server side of
 * these contracts is tested where it is built): send retries after RATE_LIMITED /
 * OVERLOADED, CONFLICT surfaced, per-send deadlines, DisconnectReply readings, unreadable frames, UTF-8
 * without the host's TextDecoder.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  EdgeImClient,
  encodePacket,
  GoimOp,
  retryAfterDelay,
  wsApiTransport,
  type CloseReason,
  type Connection,
  type EdgeImError,
  type ServerFrame,
  type Transport,
  type WebSocketInstance,
} from '../../sdk/index.js';
import { fromWireError } from '../../sdk/errors.js';
import { GoimConnection } from '../../sdk/goim-connection.js';
import { decodeUtf8, encodeUtf8 } from '../../sdk/utf8.js';
import { token } from './sdk-helpers.js';

type Reply = { ok: true; data: unknown } | { ok: false; error: { code: string; message: string; retryAfterMs?: number } };

/** A transport whose `send` replies come from a script; records every send it saw. */
function scripted(replies: Reply[]) {
  const sends: Record<string, unknown>[] = [];
  let handlers: { onFrame(f: ServerFrame): void; onClose(r: CloseReason): void } | undefined;
  const transport: Transport = {
    kind: 'scripted',
    defaultHeartbeatMs: 60_000,
    async connect(_token, h) {
      handlers = h;
      const conn: Connection = {
        async request(action, fields = {}) {
          if (action !== 'send') return {};
          sends.push(fields);
          const r = replies.shift() ?? { ok: true, data: { msgId: String(sends.length) } };
          if (r.ok) return r.data;
          throw fromWireError(r.error);
        },
        close: () => handlers?.onClose({ code: 'CLOSED', message: 'closed', reconnect: true }),
      };
      return conn;
    },
  };
  return { transport, sends };
}

const clients: EdgeImClient[] = [];
const make = async (transport: Transport) => {
  const client = new EdgeImClient({ transport, token: await token('rules-user'), heartbeat: false, backoff: { maxMs: 1000, random: () => 0 } });
  clients.push(client);
  return client;
};
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  vi.useRealTimers();
});

describe('send retries', () => {
  it('waits out RATE_LIMITED and OVERLOADED with retryAfterMs and sends again with the same cmid', async () => {
    const { transport, sends } = scripted([
      { ok: false, error: { code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 30 } },
      { ok: false, error: { code: 'OVERLOADED', message: 'shedding', retryAfterMs: 20 } },
      { ok: true, data: { msgId: '77' } },
    ]);
    const client = await make(transport);
    await client.connect();
    const result = await client.send({ user: 'bob' }, { text: 'hi' }, { cmid: 'c-keep' });
    expect(result).toEqual({ msgId: '77', cmid: 'c-keep' });
    expect(sends.map((s) => s.cmid)).toEqual(['c-keep', 'c-keep', 'c-keep']);
  });

  it('keeps later sends behind a waiting one (order holds)', async () => {
    const { transport, sends } = scripted([{ ok: false, error: { code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 30 } }]);
    const client = await make(transport);
    await client.connect();
    await Promise.all([client.send({ user: 'bob' }, { n: 1 }, { cmid: 'a' }), client.send({ user: 'bob' }, { n: 2 }, { cmid: 'b' })]);
    expect(sends.map((s) => s.cmid)).toEqual(['a', 'a', 'b']);
  });

  it('gives up after maxSendRetries, and does not retry RATE_LIMITED without retryAfterMs', async () => {
    const limited = { ok: false as const, error: { code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 1 } };
    const { transport, sends } = scripted([limited, limited, limited, { ok: false, error: { code: 'OVERLOADED', message: 'no hint' } }]);
    const client = new EdgeImClient({ transport, token: await token('rules-user'), heartbeat: false, maxSendRetries: 2 });
    clients.push(client);
    await client.connect();
    await expect(client.send({ user: 'bob' }, 1)).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 1 });
    expect(sends).toHaveLength(3);
    await expect(client.send({ user: 'bob' }, 2)).rejects.toMatchObject({ code: 'OVERLOADED' });
    expect(sends).toHaveLength(4);
  });

  it('surfaces CONFLICT (a cmid reused for another message) and never retries it', async () => {
    const { transport, sends } = scripted([{ ok: false, error: { code: 'CONFLICT', message: 'cmid c-1 was used for another message' } }]);
    const client = await make(transport);
    await client.connect();
    await expect(client.send({ user: 'bob' }, { text: 'other' }, { cmid: 'c-1' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(sends).toHaveLength(1);
    await expect(client.send({ user: 'bob' }, { text: 'next' })).resolves.toMatchObject({ msgId: '2' });
  });

  it('a send with timeoutMs that cannot go out (offline) rejects with TIMEOUT and leaves the queue', async () => {
    const { transport, sends } = scripted([]);
    const client = await make(transport);
    const stuck = client.send({ user: 'bob' }, { text: 'offline' }, { cmid: 'c-late', timeoutMs: 20 });
    await expect(stuck).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('c-late') });
    await client.connect();
    await client.send({ user: 'bob' }, { text: 'online' }, { cmid: 'c-next' });
    expect(sends.map((s) => s.cmid)).toEqual(['c-next']);
  });

  it('spreads retryAfterMs with jitter of up to the same again, capped by maxMs', () => {
    expect(retryAfterDelay(1000, { random: () => 0 })).toBe(1000);
    expect(retryAfterDelay(1000, { random: () => 0.999 })).toBe(1999);
    expect(retryAfterDelay(60_000, { random: () => 0.5, maxMs: 30_000 })).toBe(75_000);
  });
});

describe('token expiry and the local clock', () => {
  it('connects with the token the refresh hook returned even when the local clock says it expired (the server judges)', async () => {
    const { transport } = scripted([]);
    const seen: string[] = [];
    const connect = transport.connect.bind(transport);
    transport.connect = (t, h) => (seen.push(t), connect(t, h));
    const fresh = await token('rules-user', -30); // what a device whose clock runs ahead sees
    const client = new EdgeImClient({ transport, token: await token('rules-user', -60), heartbeat: false, refreshToken: () => fresh });
    clients.push(client);
    await client.connect();
    expect(client.state).toBe('open');
    expect(seen).toEqual([fresh]);
  });
});

describe('a connection closed because its token expired (goim DisconnectReply TOKEN_EXPIRED)', () => {
  /** A transport whose first connection the test closes as the server would. */
  const closable = () => {
    const seen: string[] = [];
    let close: ((r: CloseReason) => void) | undefined;
    const transport: Transport = {
      kind: 'scripted',
      defaultHeartbeatMs: 60_000,
      async connect(t, h) {
        seen.push(t);
        close = h.onClose;
        return { request: async () => ({}), close: () => undefined };
      },
    };
    return { transport, seen, expire: () => close!({ code: 'TOKEN_EXPIRED', message: 'expired', reconnect: true, expired: true }) };
  };

  it('asks refreshToken("expired") first, even when the local clock says the token is still good, and reconnects with the new token', async () => {
    const { transport, seen, expire } = closable();
    const first = await token('rules-user', 3600); // a device clock running behind the server's
    const fresh = await token('rules-user', 7200);
    const reasons: string[] = [];
    const client = new EdgeImClient({ transport, token: first, heartbeat: false, backoff: { baseMs: 10, maxMs: 20 }, refreshToken: (r) => (reasons.push(r), fresh) });
    clients.push(client);
    await client.connect();
    expire();
    for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(reasons).toEqual(['expired']);
    expect(seen).toEqual([first, fresh]);
  });

  it('without a new token it stops in unauthorized instead of reconnecting with the old one', async () => {
    const { transport, seen, expire } = closable();
    const client = new EdgeImClient({ transport, token: await token('rules-user', 3600), heartbeat: false, backoff: { baseMs: 10, maxMs: 20 }, refreshToken: () => null });
    clients.push(client);
    await client.connect();
    expire();
    for (let i = 0; i < 100 && client.state !== 'unauthorized'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(client.state).toBe('unauthorized');
    expect(seen).toHaveLength(1);
  });

  it('the goim connection reads TOKEN_EXPIRED as an expired token', () => {
    let reason: CloseReason | undefined;
    const conn = new GoimConnection({ write: () => undefined, close: () => undefined }, { onFrame: () => undefined, onClose: (r) => (reason = r) });
    conn.onBytes(encodePacket(GoimOp.AuthReply, 1, '{}'));
    conn.onBytes(encodePacket(GoimOp.DisconnectReply, 0, JSON.stringify({ code: 'TOKEN_EXPIRED', message: 'm', reconnect: true })));
    conn.onLinkClosed();
    expect(reason).toMatchObject({ code: 'TOKEN_EXPIRED', reconnect: true, expired: true });
  });
});

describe('goim DisconnectReply', () => {
  const closeWith = (body: unknown): CloseReason => {
    let reason: CloseReason | undefined;
    const conn = new GoimConnection({ write: () => undefined, close: () => undefined }, { onFrame: () => undefined, onClose: (r) => (reason = r) });
    conn.onBytes(encodePacket(GoimOp.AuthReply, 1, '{}'));
    conn.onBytes(encodePacket(GoimOp.DisconnectReply, 0, JSON.stringify(body)));
    conn.onLinkClosed();
    return reason!;
  };

  it('follows the server’s reconnect flag, whatever the code', () => {
    expect(closeWith({ code: 'SOME_NEW_CODE', message: 'm', reconnect: false })).toMatchObject({ code: 'SOME_NEW_CODE', reconnect: false });
    expect(closeWith({ code: 'PROTOCOL_ERROR', message: 'm', reconnect: true })).toMatchObject({ reconnect: true });
    expect(closeWith({ code: 'OVERLOADED', message: 'm', reconnect: true, retryAfterMs: 2500 })).toMatchObject({ reconnect: true, retryAfterMs: 2500 });
    expect(closeWith({ code: 'UNAUTHORIZED', message: 'm', reconnect: false })).toMatchObject({ unauthorized: true, reconnect: false });
  });

  it('ignores a retryAfterMs that is not a duration, and reads a server without the flag as before', () => {
    expect(closeWith({ code: 'OVERLOADED', message: 'm', reconnect: true, retryAfterMs: -5 }).retryAfterMs).toBeUndefined();
    expect(closeWith({ code: 'SLOW_CONSUMER', message: 'm' }).reconnect).toBe(true);
    expect(closeWith({ code: 'PROTOCOL_ERROR', message: 'm' }).reconnect).toBe(false);
    expect(closeWith('not json at all')).toMatchObject({ code: 'CLOSED_BY_SERVER', reconnect: true });
  });

  it('during Auth: OVERLOADED rejects with NETWORK carrying retryAfterMs; reconnect: false rejects with CLOSED', async () => {
    const auth = (body: unknown) => {
      const conn = new GoimConnection({ write: () => undefined, close: () => undefined }, { onFrame: () => undefined, onClose: () => undefined });
      const p = conn.authenticate('t', {});
      conn.onBytes(encodePacket(GoimOp.DisconnectReply, 0, JSON.stringify(body)));
      conn.onLinkClosed();
      return p;
    };
    await expect(auth({ code: 'OVERLOADED', message: 'storm', reconnect: true, retryAfterMs: 800 })).rejects.toMatchObject({ code: 'NETWORK', retryAfterMs: 800 });
    await expect(auth({ code: 'PROTOCOL_ERROR', message: 'bad', reconnect: false })).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(auth({ code: 'UNAUTHORIZED', message: 'no', reconnect: false })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});

describe('UTF-8 without the host’s TextEncoder/TextDecoder (Hermes before RN 0.85)', () => {
  const withoutHostCodecs = <T>(fn: () => T): T => {
    const g = globalThis as { TextDecoder?: unknown; TextEncoder?: unknown };
    const saved = [g.TextDecoder, g.TextEncoder];
    g.TextDecoder = undefined;
    g.TextEncoder = undefined;
    try {
      return fn();
    } finally {
      [g.TextDecoder, g.TextEncoder] = saved;
    }
  };

  it('encodes and decodes like the host codecs, for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const bytes = new TextEncoder().encode(text);
        expect(withoutHostCodecs(() => encodeUtf8(text))).toEqual(bytes);
        expect(withoutHostCodecs(() => decodeUtf8(bytes, true))).toBe(text);
      }),
    );
  });

  it('refuses bytes that are not UTF-8 in fatal mode, as the host decoder does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => {
        let host: string | undefined;
        try {
          host = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        } catch {
          host = undefined;
        }
        let ours: string | undefined;
        try {
          ours = withoutHostCodecs(() => decodeUtf8(bytes, true));
        } catch {
          ours = undefined;
        }
        expect(ours).toBe(host);
      }),
    );
  });
});

describe('frames the SDK cannot read', () => {
  it('a WebSocket API frame that is not JSON is an error event with code PROTOCOL; the connection stays', async () => {
    let socket: WebSocketInstance | undefined;
    class FakeSocket implements WebSocketInstance {
      binaryType = 'blob';
      readyState = 1;
      onopen: WebSocketInstance['onopen'] = null;
      onmessage: WebSocketInstance['onmessage'] = null;
      onerror: WebSocketInstance['onerror'] = null;
      onclose: WebSocketInstance['onclose'] = null;
      constructor() {
        socket = this;
        setTimeout(() => this.onopen?.({}), 0);
      }
      send(): void {}
      close(): void {
        this.onclose?.({ code: 1000, reason: '' });
      }
    }
    const client = await make(wsApiTransport({ url: 'ws://fake.invalid', WebSocket: FakeSocket }));
    const errors: EdgeImError[] = [];
    client.on('error', (e) => errors.push(e));
    await client.connect();
    socket!.onmessage?.({ data: 'not json at all' });
    expect(errors.map((e) => [e.code, e.message])).toEqual([['PROTOCOL', 'frame is not JSON']]);
    expect(client.state).toBe('open');
  });
});
