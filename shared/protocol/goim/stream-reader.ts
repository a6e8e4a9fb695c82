import { checkHeader, DEFAULT_MAX_BODY, HEADER_SIZE, readPacketAt, type Packet } from './packet.js';

/** Options of a PacketReader. */
export interface PacketReaderOptions {
  /** Largest accepted body in bytes; default DEFAULT_MAX_BODY (65536). */
  maxBody?: number;
}

/**
 * Reassembles goim packets from arbitrary TCP chunks and hands each one to
 * `onPacket`, in order, synchronously from `push`.
 *
 * Packets that lie wholly inside a chunk are not copied: their body is a view of the
 * chunk, so a caller that reuses chunk memory must consume or copy them before the
 * next push. Only a packet that straddles chunks is copied, into a buffer of its
 * own. Between packets the reader holds no buffer at all.
 *
 * `push` throws ProtocolError on a bad header (packets before it have already been
 * delivered); the caller closes the connection and drops the reader, which is not
 * usable after any throw, including one from `onPacket`.
 */
export class PacketReader {
  private readonly onPacket: (packet: Packet) => void;
  private readonly maxBody: number;
  /** The straddling packet: its first 16 bytes until the header is known, then all of it. */
  private partial: Buffer | null = null;
  /** Bytes of `partial` filled so far. */
  private filled = 0;

  constructor(onPacket: (packet: Packet) => void, options: PacketReaderOptions = {}) {
    this.onPacket = onPacket;
    this.maxBody = options.maxBody ?? DEFAULT_MAX_BODY;
  }

  /** Bytes of an incomplete packet held between pushes (0 when idle). */
  get bufferedBytes(): number {
    return this.filled;
  }

  /** Feeds the next chunk of the stream. */
  push(chunk: Uint8Array): void {
    const end = chunk.length;
    let off = this.partial === null ? 0 : this.completePartial(chunk);
    if (off < 0) return;
    const maxBody = this.maxBody;
    const onPacket = this.onPacket;
    while (end - off >= HEADER_SIZE) {
      const packLen = checkHeader(chunk, off, maxBody);
      if (end - off < packLen) break;
      onPacket(readPacketAt(chunk, off, packLen));
      off += packLen;
    }
    if (off < end) this.stash(chunk, off);
  }

  /** Keeps the incomplete tail of a chunk (header already checked if 16+ bytes). */
  private stash(chunk: Uint8Array, off: number): void {
    const rest = chunk.length - off;
    const size = rest >= HEADER_SIZE ? checkHeader(chunk, off, this.maxBody) : HEADER_SIZE;
    const partial = Buffer.allocUnsafe(size);
    partial.set(chunk.subarray(off), 0);
    this.partial = partial;
    this.filled = rest;
  }

  /**
   * Adds the start of `chunk` to the straddling packet. Returns where the rest of the
   * chunk starts once the packet is complete and delivered, or -1 if it still is not.
   */
  private completePartial(chunk: Uint8Array): number {
    let partial = this.partial!;
    let filled = this.filled;
    let off = 0;
    if (filled < HEADER_SIZE) {
      const n = Math.min(HEADER_SIZE - filled, chunk.length);
      for (let i = 0; i < n; i++) partial[filled + i] = chunk[i]!;
      filled += n;
      off = n;
      if (filled < HEADER_SIZE) {
        this.filled = filled;
        return -1;
      }
      const packLen = checkHeader(partial, 0, this.maxBody);
      if (packLen > HEADER_SIZE) {
        const grown = Buffer.allocUnsafe(packLen);
        grown.set(partial, 0);
        partial = grown;
        this.partial = grown;
      }
    }
    const n = Math.min(partial.length - filled, chunk.length - off);
    if (n > 0) partial.set(chunk.subarray(off, off + n), filled);
    filled += n;
    off += n;
    if (filled < partial.length) {
      this.filled = filled;
      return -1;
    }
    this.partial = null;
    this.filled = 0;
    this.onPacket(readPacketAt(partial, 0, partial.length));
    return off;
  }
}
