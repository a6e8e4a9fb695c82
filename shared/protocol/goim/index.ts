/** The goim binary codec: ops, packets, stream reassembly and Raw batches. */
export { Op, MIN_BUSINESS_OP, isBusinessOp, opName, type OpName, type KnownOp } from './ops.js';
export {
  PACK_LEN_OFFSET,
  PACK_LEN_SIZE,
  HEADER_LEN_OFFSET,
  HEADER_LEN_SIZE,
  VER_OFFSET,
  VER_SIZE,
  OP_OFFSET,
  OP_SIZE,
  SEQ_OFFSET,
  SEQ_SIZE,
  HEADER_SIZE,
  DEFAULT_MAX_BODY,
  ProtocolError,
  encodedLength,
  writeHeader,
  encodeInto,
  encodePacket,
  checkHeader,
  readPacketAt,
  decodePacket,
  type Packet,
  type ProtocolErrorCode,
} from './packet.js';
export { PacketReader, type PacketReaderOptions } from './stream-reader.js';
export { concatenatedLength, encodeConcatenated, encodeRawBatch, decodeRawBatch } from './raw.js';
