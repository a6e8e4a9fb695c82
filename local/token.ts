import { LOCAL_JWT_SECRET } from '../shared/config.js';
import { signToken } from '../shared/domain/auth.js';
import { isUid } from '../shared/protocol/identifiers.js';

/**
 * `npm run token -- alice [ttlSeconds]`: prints a local HS256 token for a user, signed
 * with EDGEIM_JWT_SECRET (or the local runtime's default). A uid the server would refuse,
 * or a ttl that is not a whole number of seconds, is one line on stderr and exit 2.
 */
const USAGE = 'usage: npm run token -- <uid> [ttlSeconds]   (uid: 1-64 chars of [A-Za-z0-9_.@-]; ttl: whole seconds, default 86400)';
/** Longest ttl handed out: a year (a local token is for trying things, not for keeping). */
const MAX_TTL_SECONDS = 365 * 24 * 3600;

function fail(line: string): never {
  console.error(`edgeim token: ${line}`);
  process.exit(2);
}

const args = process.argv.slice(2);
if (args[0] === '-h' || args[0] === '--help') {
  console.log(USAGE);
  process.exit(0);
}
const [uid, ttl, ...extra] = args;
if (uid === undefined) fail(USAGE);
if (extra.length) fail(`unexpected argument ${JSON.stringify(extra[0])} (quote a uid with spaces? uids cannot hold them); ${USAGE}`);
if (!isUid(uid)) fail(`uid ${JSON.stringify(uid)} is not valid: expected 1-64 chars of [A-Za-z0-9_.@-] (the server refuses any other sub)`);
let ttlSeconds: number | undefined;
if (ttl !== undefined) {
  ttlSeconds = /^\d+$/.test(ttl) ? Number(ttl) : NaN;
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
    fail(`ttl ${JSON.stringify(ttl)} is not valid: expected whole seconds from 1 to ${MAX_TTL_SECONDS} (e.g. 3600 for an hour)`);
  }
}
const secret = process.env.EDGEIM_JWT_SECRET || LOCAL_JWT_SECRET;
console.log(await signToken(uid, secret, ttlSeconds));
