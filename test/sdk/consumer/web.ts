/** A browser app: the main entry and the IndexedDB store, bundled by esbuild, type-checked with DOM types. */
import { EdgeImClient, wsApiTransport } from '@edgeim/sdk';
import { IndexedDbStorage } from '@edgeim/sdk/browser';

export async function start(token: string): Promise<EdgeImClient> {
  const storage = await IndexedDbStorage.open('alice');
  const client = new EdgeImClient({ transport: wsApiTransport({ url: 'wss://example.com/prod' }), token, storage });
  await client.connect();
  return client;
}
