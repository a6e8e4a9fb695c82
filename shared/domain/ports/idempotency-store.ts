/** What the first request under an idempotency key did. */
export interface IdempotentRecord {
  /** Digest of the first request (requestDigest), to tell a repeat from a different request. */
  hash: string;
  /** The answer the first request got (any JSON value). */
  result: unknown;
  /** When the first request was accepted, epoch ms. */
  at: number;
}

/**
 * Idempotency keys of requests whose effect is stored nowhere else (a transient push):
 * the first request under a key is recorded with its digest and answer, so a repeat can
 * be told apart from a different request reusing the key.
 *
 * Contract:
 * - `claim(key, record, expiresAt)` records `record` under `key` when no live record
 *   holds the key, and then resolves `undefined`; otherwise it changes nothing and
 *   resolves the record that holds it. Of concurrent claims exactly one records. A record
 *   past its `expiresAt` (epoch seconds) no longer holds its key.
 * - `release(key, record)` removes the record under `key` only if it is still `record`
 *   (its claimer's request failed before it took effect, so a retry starts afresh).
 * - Keys are any strings of 1–255 characters (callers put a namespace first); no two
 *   keys share a record.
 */
export interface IdempotencyStore {
  claim(key: string, record: IdempotentRecord, expiresAt: number): Promise<IdempotentRecord | undefined>;
  release(key: string, record: IdempotentRecord): Promise<void>;
}
