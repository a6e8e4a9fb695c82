/**
 * What a React Native app sees: the main entry, no DOM and no Node types
 * (`lib: ["es2022"]`, `types: []`), the global WebSocket left to the runtime, and raw
 * TCP through an app-opened socket.
 */
import { EdgeImClient, goimSocketTransport, MemoryStorage, wsApiTransport, type ByteLink } from '@edgeim/sdk';

declare const nativeTcp: { open(host: string, port: number, onData: (b: Uint8Array) => void, onClose: () => void): Promise<ByteLink> };

const client = new EdgeImClient({ transport: wsApiTransport({ url: 'wss://example.execute-api.eu-west-1.amazonaws.com/prod' }), token: 'jwt', storage: new MemoryStorage() });
client.on('state', ({ state, retryInMs }) => void [state, retryInMs]);
const tcp = new EdgeImClient({
  transport: goimSocketTransport({ open: ({ data, closed }) => nativeTcp.open('gw.example.com', 3101, data, () => closed()) }),
  token: 'jwt',
});
export const clients = [client, tcp];
