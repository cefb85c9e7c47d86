import { InvalidArgumentError } from './errors.js';

/** 128-bit trace id as 32 lowercase hex characters; 64-bit ids are zero-padded on the left. */
export type TraceId = string;
/** 64-bit span id as 16 lowercase hex characters. */
export type SpanId = string;

const HEX = /^[0-9a-fA-F]+$/;

/** Parses a hex trace id of 1–32 digits (Jaeger UI drops leading zeros). */
export function parseTraceId(text: string): TraceId {
  if (text.length === 0 || text.length > 32 || !HEX.test(text)) {
    throw new InvalidArgumentError(`invalid trace id "${clip(text)}": expected 1 to 32 hex digits`);
  }
  return text.toLowerCase().padStart(32, '0');
}

/** Parses a hex span id of 1–16 digits. */
export function parseSpanId(text: string): SpanId {
  if (text.length === 0 || text.length > 16 || !HEX.test(text)) {
    throw new InvalidArgumentError(`invalid span id "${clip(text)}": expected 1 to 16 hex digits`);
  }
  return text.toLowerCase().padStart(16, '0');
}

/** Trace id from 16 big-endian bytes (high then low), or 8 bytes (low only) as Jaeger accepts. */
export function traceIdFromBytes(bytes: Uint8Array): TraceId {
  if (bytes.length !== 16 && bytes.length !== 8) {
    throw new InvalidArgumentError(`invalid trace id: ${bytes.length} bytes, expected 16`);
  }
  return hexOf(bytes).padStart(32, '0');
}

export function spanIdFromBytes(bytes: Uint8Array): SpanId {
  if (bytes.length !== 8) {
    throw new InvalidArgumentError(`invalid span id: ${bytes.length} bytes, expected 8`);
  }
  return hexOf(bytes);
}

/** Lowercase hex of the bytes; a Buffer (what the gRPC decoders give) needs no view of its own. */
function hexOf(bytes: Uint8Array): string {
  return (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('hex');
}

export function traceIdToBytes(id: TraceId): Buffer {
  return Buffer.from(id, 'hex');
}

export function spanIdToBytes(id: SpanId): Buffer {
  return Buffer.from(id, 'hex');
}

/** Jaeger UI's short form: 16 hex digits when the high half is zero, else 32. */
export function traceIdToShortHex(id: TraceId): string {
  return id.startsWith('0000000000000000') ? id.slice(16) : id;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
