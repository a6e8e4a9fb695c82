import type { EdgeDeps } from '../app.js';

/** Per-request values the push API's middleware sets for its handlers. */
export interface PushApiEnv {
  Variables: {
    deps: EdgeDeps;
    /** Non-secret id of the API key that authenticated the request (`open` on open goim routes). */
    keyId: string;
  };
}
