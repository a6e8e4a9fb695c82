import type { Deps } from '../domain/deps.js';

/** Per-request values the push API's middleware sets for its handlers. */
export interface PushApiEnv {
  Variables: {
    deps: Deps;
    /** Non-secret id of the API key that authenticated the request (`open` on open goim routes). */
    keyId: string;
  };
}
