import { LOCAL_JWT_SECRET } from '../shared/config.js';
import { signToken } from '../shared/domain/auth.js';

/** `npm run token -- alice [ttlSeconds]`: prints a local HS256 token for a user. */
const [uid, ttl] = process.argv.slice(2);
if (!uid) {
  console.error('usage: npm run token -- <uid> [ttlSeconds]');
  process.exit(2);
}
const secret = process.env.EDGEIM_JWT_SECRET || LOCAL_JWT_SECRET;
console.log(await signToken(uid, secret, ttl ? Number(ttl) : undefined));
