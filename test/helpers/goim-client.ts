import { connect as netConnect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { encodePacket, GOIM_MIN_BUSINESS_OP, GoimOp } from '../../sdk/goim-codec.js';
import { LOCAL_JWT_SECRET } from '../../shared/config.js';
import { signToken } from '../../shared/domain/auth.js';

/**
 * A goim client for tests, written from the spec (docs/PROTOCOL.md#gateway-goim-protocol),
 * not from the server's code: the SDK's op table and packet encoder and a lenient stream
 * parser of its own, over TCP or over WebSocket (`/sub`, binary, one packet per message,
 * op-9 batches unwrapped).
 */

/** The goim ops, as the SDK names them (test/sdk/sdk-copies.test.ts keeps them equal to the server's). */
export const OP = GoimOp;

export interface GoimPacket {
  ver: number;
  op: number;
  seq: number;
  body: Buffer;
  /** The body as JSON (undefined if it is not JSON). */
  json?: any;
}

/** Encodes one packet (16-byte big-endian header + body) with the SDK's encoder, as a Buffer. */
export function encode(op: number, body: Buffer | string = Buffer.alloc(0), seq = 0, ver = 1): Buffer {
  const bytes = encodePacket(op, seq, body, ver);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function toPacket(buf: Buffer): GoimPacket {
  const body = buf.subarray(16, buf.readInt32BE(0));
  let json: any;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    json = undefined;
  }
  return { ver: buf.readInt16BE(6), op: buf.readInt32BE(8), seq: buf.readInt32BE(12), body: Buffer.from(body), json };
}

/** Splits concatenated packets (a TCP stream chunk sequence or an op-9 body). */
export function splitPackets(buf: Buffer): { packets: GoimPacket[]; rest: Buffer } {
  const packets: GoimPacket[] = [];
  let off = 0;
  while (buf.length - off >= 16) {
    const len = buf.readInt32BE(off);
    if (buf.length - off < len) break;
    packets.push(toPacket(buf.subarray(off, off + len)));
    off += len;
  }
  return { packets, rest: buf.subarray(off) };
}

type Waiter = { match: (p: GoimPacket) => boolean; resolve: (p: GoimPacket) => void };

export class GoimClient {
  readonly packets: GoimPacket[] = [];
  /** Every packet received, in order, including those taken by waiters. */
  readonly log: GoimPacket[] = [];
  /** Number of transport writes (TCP chunks / WebSocket messages) seen. */
  messages = 0;
  closed: Promise<void>;
  isClosed = false;
  private readonly waiters: Waiter[] = [];
  private pending = Buffer.alloc(0);
  private seq = 0;
  private markClosed!: () => void;

  private constructor(
    readonly kind: 'tcp' | 'ws',
    private readonly tcp?: Socket,
    private readonly ws?: WebSocket,
  ) {
    this.closed = new Promise((r) => (this.markClosed = r));
    if (tcp) {
      tcp.on('data', (chunk: Buffer) => {
        this.messages++;
        const { packets, rest } = splitPackets(Buffer.concat([this.pending, chunk]));
        this.pending = Buffer.from(rest);
        packets.forEach((p) => this.accept(p));
      });
      tcp.on('close', () => this.onClose());
      tcp.on('error', () => undefined);
    }
    if (ws) {
      ws.on('message', (data: Buffer) => {
        this.messages++;
        const p = toPacket(data);
        if (p.op === OP.Raw) splitPackets(p.body).packets.forEach((q) => this.accept(q));
        else this.accept(p);
      });
      ws.on('close', () => this.onClose());
      ws.on('error', () => undefined);
    }
  }

  static async tcp(port: number, host = '127.0.0.1'): Promise<GoimClient> {
    const socket = netConnect({ port, host, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new GoimClient('tcp', socket);
  }

  static async ws(url: string): Promise<GoimClient> {
    const ws = new WebSocket(url);
    ws.binaryType = 'nodebuffer';
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new GoimClient('ws', undefined, ws);
  }

  /** Connects over `kind` and authenticates `uid` with a local token; resolves with the AuthReply body. */
  static async connect(kind: 'tcp' | 'ws', ports: { tcp: number; wsUrl: string }, uid: string, extra: Record<string, unknown> = {}): Promise<GoimClient & { auth: any }> {
    const c = kind === 'tcp' ? await GoimClient.tcp(ports.tcp) : await GoimClient.ws(ports.wsUrl);
    const reply = await c.auth({ token: await signToken(uid, LOCAL_JWT_SECRET), ...extra });
    if (reply.op !== OP.AuthReply) throw new Error(`auth failed: ${reply.body.toString()}`);
    return Object.assign(c, { auth: reply.json });
  }

  /** Sends Auth and resolves with the AuthReply or DisconnectReply. */
  auth(body: Record<string, unknown>): Promise<GoimPacket> {
    const answer = this.next((p) => p.op === OP.AuthReply || p.op === OP.DisconnectReply);
    this.write(encode(OP.Auth, JSON.stringify(body), ++this.seq));
    return answer;
  }

  /** Sends a request and resolves with the reply of `replyOp` that echoes its seq. */
  request(op: number, replyOp: number, body: Buffer | string | object = '', ver = 1): Promise<GoimPacket> {
    const seq = ++this.seq;
    const answer = this.next((p) => p.op === replyOp && p.seq === seq);
    const bytes = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    this.write(encode(op, bytes, seq, ver));
    return answer;
  }

  /** A JSON request whose reply is a WIRE reply frame; resolves with `data`, throws on error. */
  async call(op: number, replyOp: number, body: object): Promise<any> {
    const reply = await this.request(op, replyOp, body);
    if (!reply.json?.ok) throw new Error(`op ${op} failed: ${reply.body.toString()}`);
    return reply.json.data;
  }

  write(bytes: Buffer): void {
    if (this.tcp) this.tcp.write(bytes);
    else this.ws!.send(bytes, { binary: true });
  }

  /** Resolves with the first packet (already received or future) matching `match`. */
  next(match: (p: GoimPacket) => boolean, timeoutMs = 10_000): Promise<GoimPacket> {
    const i = this.packets.findIndex(match);
    if (i >= 0) return Promise.resolve(this.packets.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching packet within ${timeoutMs} ms; have ops ${JSON.stringify(this.packets.map((p) => p.op))}`)),
        timeoutMs,
      );
      this.waiters.push({ match, resolve: (p) => (clearTimeout(timer), resolve(p)) });
    });
  }

  /** Waits for `count` Message (op 26) packets passing `filter`. */
  async messages26(count: number, filter: (p: GoimPacket) => boolean = () => true, timeoutMs?: number): Promise<GoimPacket[]> {
    const out: GoimPacket[] = [];
    while (out.length < count) out.push(await this.next((p) => p.op === OP.Message && filter(p), timeoutMs));
    return out;
  }

  /** Stops reading from the socket (a slow consumer); the kernel buffers fill up. */
  pause(): void {
    if (this.tcp) this.tcp.pause();
    else (this.ws as unknown as { _socket: Socket })._socket.pause();
  }

  resume(): void {
    if (this.tcp) this.tcp.resume();
    else (this.ws as unknown as { _socket: Socket })._socket.resume();
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    if (this.tcp) this.tcp.end();
    else this.ws!.close();
    await Promise.race([this.closed, new Promise((r) => setTimeout(r, 2000))]);
    this.tcp?.destroy();
    this.ws?.terminate();
  }

  private onClose(): void {
    this.isClosed = true;
    this.markClosed();
  }

  private accept(p: GoimPacket): void {
    this.log.push(p);
    const i = this.waiters.findIndex((w) => w.match(p));
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(p);
    else this.packets.push(p);
  }
}

/**
 * A gateway client seen as a push receiver: business-op packets (≥ 1000) read as the
 * WebSocket API's `{type: 'push', op, body}` with the body as a UTF-8 string, so tests
 * can hold WebSocket-API and gateway clients in one list.
 */
export function asReceiver(client: GoimClient) {
  const toFrame = (p: GoimPacket) => (p.op >= GOIM_MIN_BUSINESS_OP ? { type: 'push', op: p.op, body: p.body.toString('utf8') } : { type: `goim:${p.op}` });
  return {
    next: async (match: (f: Record<string, any>) => boolean, timeoutMs?: number) => toFrame(await client.next((p) => match(toFrame(p)), timeoutMs)),
    pending: (type: string) => client.packets.map(toFrame).filter((f) => f.type === type),
  };
}
