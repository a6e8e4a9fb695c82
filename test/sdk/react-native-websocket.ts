import WebSocket from 'ws';

/**
 * A WebSocket that behaves like React Native's and offers nothing more: the WHATWG
 * surface only (`on*` handlers, `binaryType`, `readyState`, `send`, `close`), events as
 * plain objects (`{data}`, `{message}`, `{code, reason}`), text as strings and binary
 * data as ArrayBuffer, no `on()`/`ping()`/Buffer of `ws`. A refused upgrade reports the
 * status in the error message, as React Native does on Android
 * ("Expected HTTP 101 response but was '401 Unauthorized'").
 */
export class ReactNativeLikeWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  /** Constructed sockets, for assertions. */
  static opened = 0;

  binaryType: 'blob' | 'arraybuffer' = 'blob';
  onopen: ((ev: object) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onerror: ((ev: { message: string }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  readonly #ws: WebSocket;

  constructor(url: string, protocols?: string | string[]) {
    ReactNativeLikeWebSocket.opened++;
    this.#ws = new WebSocket(url, protocols);
    this.#ws.binaryType = 'nodebuffer';
    this.#ws.on('open', () => this.onopen?.({}));
    this.#ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return this.onmessage?.({ data: data.toString('utf8') });
      const bytes = new Uint8Array(data.byteLength);
      bytes.set(data);
      this.onmessage?.({ data: this.binaryType === 'arraybuffer' ? bytes.buffer : { size: bytes.byteLength, type: '' } });
    });
    let refused = false;
    this.#ws.on('unexpected-response', (_req, res) => {
      refused = true;
      this.onerror?.({ message: `Expected HTTP 101 response but was '${res.statusCode} ${res.statusMessage}'` });
      this.#ws.terminate();
    });
    this.#ws.on('error', (err) => {
      if (!refused) this.onerror?.({ message: err.message });
    });
    this.#ws.on('close', (code: number, reason: Buffer) => this.onclose?.({ code, reason: reason.toString('utf8') }));
  }

  get readyState(): number {
    return this.#ws.readyState;
  }

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    if (typeof data === 'string') this.#ws.send(data);
    else if (data instanceof ArrayBuffer) this.#ws.send(new Uint8Array(data));
    else this.#ws.send(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }

  close(code?: number, reason?: string): void {
    this.#ws.close(code, reason);
  }
}
