import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { App } from '../../shared/app.js';
import { signToken } from '../../shared/domain/auth.js';
import { isUid } from '../../shared/protocol/identifiers.js';

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

/**
 * Serves the demo chat page in front of another fetch handler (the push API): `/`, the
 * page's script, and three local-only helpers — `/demo/config`, `/demo/token?uid=` (a
 * browser cannot sign tokens safely, so the local runtime does it for the demo; any uid,
 * and no uid grants more than any other) and
 * `/demo/presence?uids=`. Everything else goes to `next`. Local runtime only: never
 * mounted in the cloud stack.
 */
export function withDemoPage<A extends unknown[], R>(next: (req: Request, ...rest: A) => R, options: DemoOptions): (req: Request, ...rest: A) => Promise<Response | R> {
  let bundle: Promise<string> | undefined;
  return async (req, ...rest) => {
    const url = new URL(req.url);
    if (req.method !== 'GET') return next(req, ...rest);
    switch (url.pathname) {
      case '/':
      case '/index.html':
        return new Response(await readFile(fileURLToPath(new URL('./index.html', import.meta.url)), 'utf8'), {
          headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
        });
      case '/demo/app.js':
        try {
          bundle ??= buildDemoBundle();
          return new Response(await bundle, { headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' } });
        } catch (err) {
          bundle = undefined;
          return new Response(`console.error(${JSON.stringify(`demo bundle failed: ${String(err)}`)})`, { status: 500, headers: { 'content-type': 'text/javascript' } });
        }
      case '/demo/config':
        return Response.json({ wsUrl: options.wsUrl, users: DEMO_USERS });
      case '/demo/token': {
        const uid = url.searchParams.get('uid') ?? '';
        if (!options.jwtSecret) return Response.json({ error: 'no local HS256 secret (JWKS mode): bring your own token' }, { status: 403 });
        if (!isUid(uid)) return Response.json({ error: 'uid must be 1-64 chars of [A-Za-z0-9_.@-]' }, { status: 400 });
        return Response.json({ token: await signToken(uid, options.jwtSecret, 3600) });
      }
      case '/demo/presence': {
        const uids = (url.searchParams.get('uids') ?? '').split(',').filter(Boolean).slice(0, 50);
        const now = Date.now();
        const counts = await Promise.all(uids.map(async (uid) => [uid, (await options.app.sessions.byUser(uid, now)).length] as const));
        return Response.json(Object.fromEntries(counts));
      }
      default:
        return next(req, ...rest);
    }
  };
}

/** Bundles the page script (the SDK included) for browsers with esbuild, minified. */
export async function buildDemoBundle(entry = fileURLToPath(new URL('./demo-app.ts', import.meta.url))): Promise<string> {
  const esbuild = await import('esbuild');
  const out = await esbuild.build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent' });
  return out.outputFiles[0]!.text;
}
