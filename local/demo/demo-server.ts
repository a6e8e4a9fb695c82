import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { App } from '../../shared/app.js';
import { signToken } from '../../shared/domain/auth.js';
import { isUid, ROOM_ID_PATTERN } from '../../shared/protocol/identifiers.js';

/** The users the demo page offers (any other uid can be typed in). */
export const DEMO_USERS = ['alice', 'bob', 'carol', 'dave'];

/** What the demo needs from the local runtime. */
export interface DemoOptions {
  app: App;
  /** The WebSocket API URL the page connects to. */
  wsUrl: string;
  /** The local HS256 secret; without it (JWKS mode) the token endpoint answers 403. */
  jwtSecret: string | undefined;
}

/** What `/demo/config` tells the page. */
export interface DemoConfig {
  wsUrl: string;
  users: string[];
  /** A send not confirmed within this long shows as failed, with a retry. */
  sendTimeoutMs: number;
}

const TOKEN_TTL_SECONDS = 3600;
const MAX_LOOKUPS = 20;
/** How far back in a peer's inbox `/demo/status` looks for the caller's messages. */
const RECEIPT_WINDOW = 100;

const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#2563eb"/><path d="M8 10h16v10H14l-5 4v-4H8z" fill="#fff"/></svg>`;

/**
 * Serves the demo chat page in front of another fetch handler (the push API): `/`, the
 * page's script, a favicon, and local-only helpers — `/demo/config`, `/demo/token?uid=`
 * (a browser cannot sign tokens safely, so the local runtime does it for the demo; no uid
 * grants more than any other),
 * `/demo/check-token` (why a pasted token would be refused: a browser cannot see the
 * upgrade's 401) and `/demo/status` (presence, room counts, and delivered/read receipts
 * read from the peers' ack pointers). Everything else goes to `next`. Local runtime
 * only: never mounted in the cloud stack.
 */
export function withDemoPage<A extends unknown[], R>(next: (req: Request, ...rest: A) => R, options: DemoOptions): (req: Request, ...rest: A) => Promise<Response | R> {
  let bundle: Promise<string> | undefined;
  return async (req, ...rest) => {
    const url = new URL(req.url);
    if (req.method === 'POST' && url.pathname === '/demo/check-token') return checkToken(req, options);
    if (req.method !== 'GET') return next(req, ...rest);
    switch (url.pathname) {
      case '/':
      case '/index.html':
        return new Response(await readFile(fileURLToPath(new URL('./index.html', import.meta.url)), 'utf8'), {
          headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
        });
      case '/favicon.ico':
      case '/favicon.svg':
        return new Response(FAVICON, { headers: { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=86400' } });
      case '/demo/app.js':
        try {
          bundle ??= buildDemoBundle();
          return new Response(await bundle, { headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' } });
        } catch (err) {
          bundle = undefined;
          return new Response(`console.error(${JSON.stringify(`demo bundle failed: ${String(err)}`)})`, { status: 500, headers: { 'content-type': 'text/javascript' } });
        }
      case '/demo/config':
        return Response.json({ wsUrl: options.wsUrl, users: DEMO_USERS, sendTimeoutMs: 10_000 } satisfies DemoConfig);
      case '/demo/token': {
        const uid: string = url.searchParams.get('uid') ?? '';
        const shown = uid.slice(0, 80);
        if (!options.jwtSecret) return Response.json({ error: 'this stack verifies tokens with a JWKS URL: paste a token from your identity provider' }, { status: 403 });
        if (!isUid(uid)) return Response.json({ error: `"${shown}" is not a valid user id: use 1-64 characters of A-Z a-z 0-9 _ . @ -` }, { status: 400 });
        return Response.json({ token: await signToken(uid, options.jwtSecret, TOKEN_TTL_SECONDS) });
      }
      case '/demo/status':
        return Response.json(await status(options.app, url.searchParams));
      default:
        return next(req, ...rest);
    }
  };
}

/** `POST /demo/check-token` `{token}` → `{uid}` or `{error}`: the verifier's own verdict. */
async function checkToken(req: Request, options: DemoOptions): Promise<Response> {
  const body = (await req.json().catch(() => ({}))) as { token?: unknown };
  try {
    const { uid } = await options.app.verifier.verify(typeof body.token === 'string' ? body.token.trim() : '');
    return Response.json({ uid });
  } catch (err) {
    return Response.json({ error: `the server refuses this token: ${String((err as Error).message)}` });
  }
}

/**
 * `GET /demo/status?uids=a,b&rooms=lobby&me=alice&receipts=bob`: live connections per
 * user, per room, for each peer in `receipts` which of `me`'s recent messages the
 * peer's devices acknowledged (`delivered`) or the peer read (`read`), from the peer's
 * inbox ack pointers, and `me`'s own inbox read pointer (`read`: what counts as unread
 * after a reload). Local demo only: it shows anyone's presence to anyone.
 */
async function status(app: App, q: URLSearchParams) {
  const list = (name: string, valid: (s: string) => boolean) => (q.get(name) ?? '').split(',').filter(valid).slice(0, MAX_LOOKUPS);
  const now = Date.now();
  const me = q.get('me') ?? '';
  const [users, rooms, receipts] = await Promise.all([
    Promise.all(list('uids', isUid).map(async (uid) => [uid, (await app.sessions.byUser(uid, now)).length] as const)),
    Promise.all(list('rooms', (r) => ROOM_ID_PATTERN.test(r)).map(async (rid) => [rid, await app.sessions.roomCount(rid, now)] as const)),
    isUid(me) ? Promise.all(list('receipts', isUid).map(async (peer) => [peer, await receiptsOf(app, me, peer, now)] as const)) : [],
  ]);
  const read = isUid(me) ? (await app.timelines.pointers(me, 'inbox')).read : 0;
  return { users: Object.fromEntries(users), rooms: Object.fromEntries(rooms), receipts: Object.fromEntries(receipts), read };
}

async function receiptsOf(app: App, me: string, peer: string, now: number): Promise<{ delivered: string[]; read: string[] }> {
  const { delivered, read } = await app.timelines.pointers(peer, 'inbox');
  if (delivered === 0) return { delivered: [], read: [] };
  const { entries } = await app.timelines.read(`user:${peer}`, Math.max(0, delivered - RECEIPT_WINDOW), RECEIPT_WINDOW, now);
  const mine = entries.filter((e) => e.seq <= delivered && e.message.from === me && !(e.message as { backend?: boolean }).backend && e.message.conv.startsWith('u:'));
  return { delivered: mine.map((e) => e.message.id), read: mine.filter((e) => e.seq <= read).map((e) => e.message.id) };
}

/** Bundles the page script (the SDK included, from source) for browsers with esbuild, minified. */
export async function buildDemoBundle(entry = fileURLToPath(new URL('./demo-app.ts', import.meta.url))): Promise<string> {
  const esbuild = await import('esbuild');
  const out = await esbuild.build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent' });
  return out.outputFiles[0]!.text;
}
