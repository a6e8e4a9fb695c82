/**
 * `@edgeim/sdk/browser` — what only browsers have: the IndexedDB store. A separate
 * entry so that Node and React Native projects type-check the main entry without DOM
 * types (`lib: ["es2022"]`).
 *
 * @example
 * import { EdgeImClient, wsApiTransport } from '@edgeim/sdk';
 * import { IndexedDbStorage } from '@edgeim/sdk/browser';
 *
 * const storage = await IndexedDbStorage.open('alice');
 * const client = new EdgeImClient({ transport: wsApiTransport({ url }), token, storage });
 */
export { IndexedDbStorage } from './indexeddb-storage.js';
