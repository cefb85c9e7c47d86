// Over 400 lines: detection, NDJSON lines and streamed documents share one position and error vocabulary; split, each would re-state it.
/**
 * Streaming reader for trace files: Jaeger UI/query JSON, OTLP JSON and their newline-delimited
 * variants, detected by content (detect.ts). Yields decoded, validated spans entry by entry, and
 * every bad entry as an InputFormatError naming the file, the position and the reason.
 *
 * Memory: NDJSON is read line by line (one line held at a time). A JSON document is streamed
 * (json-document-stream.ts): each element of a root array or of `data` / `resourceSpans` is parsed
 * on its own, so only one trace (or one OTLP ResourceSpans) is held at a time; other documents (a
 * bare trace, `{"data": {…}}`) are held whole. Any one line or value may be at most
 * `maxDocumentBytes` (default 256 MiB).
 *
 * Positions: `FILE:LINE` for NDJSON lines, `FILE:LINE:COLUMN (byte N)` for JSON syntax errors, and a
 * JSON path (`data[3].spans[1].traceID`, `resourceSpans[0].scopeSpans[0].spans[2]`) inside a value.
 */
import type { Span } from '../model/index.js';
import { InputFormatError, validateSpan } from '../model/index.js';
import { classifyTraceObject, detectLayout, parseJsonContainer, traceItemsOf } from './detect.js';
import type { TraceFileLayout, TraceItem } from './detect.js';
import { traceFromJaegerJson } from './jaeger-json.js';
import { spansFromOtlp } from './otlp.js';
import type { OtlpResourceSpans } from './otlp.js';
import { otlpJsonToTree } from './otlp-json.js';
import { streamJsonDocument } from './json-document-stream.js';
import { ValueTooLargeError } from './json-tokenizer.js';
import type { JsonPosition } from './json-tokenizer.js';
import { findJsonSyntaxError, positionOf } from './json-syntax.js';
import { maybeGunzip } from './gzip.js';
import { isJsonObject } from './json-values.js';

/** The flavour an entry was read as. */
export type TraceFormat = 'jaeger' | 'otlp';

export const DEFAULT_MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

/** Read size for trace files (fs.createReadStream's highWaterMark): large reads cost less per byte. */
export const TRACE_FILE_READ_CHUNK = 1 << 20;

export type TraceFileEntry =
  /** Valid spans of one entry (a trace, an OTLP value, or a single span when isolating). */
  | { ok: true; spans: Span[]; format: TraceFormat }
  /** `unrecognised`: the value is not trace data at all (e.g. a dependency list), not a bad trace. */
  | { ok: false; error: InputFormatError; unrecognised: boolean };

export interface ReadTraceFileOptions {
  /** Largest JSON document, or NDJSON line, accepted (bytes). */
  maxDocumentBytes?: number;
  /**
   * When an entry fails, decode its spans one by one so that only the bad spans are reported and
   * the good ones still yielded (for --skip-invalid). Otherwise the whole entry is one error.
   */
  isolateInvalidSpans?: boolean;
  /** Called with the layout once it is known. */
  onLayout?: (layout: TraceFileLayout) => void;
}

/**
 * Reads one trace file. `name` is how errors refer to it (a path, or "stdin"); `bytes` its content,
 * gzip-compressed or not (detected by the magic bytes, gzip.ts).
 * Never throws for bad content (every problem is an entry with ok=false); rejects only when
 * reading `bytes` fails.
 */
export async function* readTraceFile(
  name: string,
  bytes: AsyncIterable<Uint8Array | string>,
  options: ReadTraceFileOptions = {},
): AsyncGenerator<TraceFileEntry> {
  const maxBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  try {
    for await (const v of readJsonValues(name, refuseNul(name, maybeGunzip(name, bytes)), maxBytes, options.onLayout)) {
      if ('error' in v) {
        yield { ok: false, error: v.error, unrecognised: v.unrecognised };
        continue;
      }
      for (const item of 'item' in v ? [v.item] : traceItemsOf(v.value)) {
        yield* decodeItem(v.where, item, options.isolateInvalidSpans ?? false);
      }
    }
  } catch (err) {
    // An over-long document or line: the rest of the file cannot be read.
    if (!(err instanceof InputFormatError)) throw err;
    yield { ok: false, error: err, unrecognised: false };
  }
}

/** Every span of a file, or the first error (for callers that accept nothing less than the whole file). */
export async function readAllSpans(name: string, bytes: AsyncIterable<Uint8Array | string>, options: ReadTraceFileOptions = {}): Promise<Span[]> {
  const spans: Span[] = [];
  for await (const entry of readTraceFile(name, bytes, options)) {
    if (!entry.ok) throw entry.error;
    for (const s of entry.spans) spans.push(s);
  }
  return spans;
}

type JsonValueOrError =
  | { value: unknown; where: string }
  /** An already classified item of a streamed document. */
  | { item: TraceItem; where: string }
  | { error: InputFormatError; unrecognised: boolean };

async function* readJsonValues(
  name: string,
  bytes: AsyncIterable<Uint8Array | string>,
  maxBytes: number,
  onLayout?: (layout: TraceFileLayout) => void,
): AsyncGenerator<JsonValueOrError> {
  const lines = new LineReader(name, bytes[Symbol.asyncIterator](), maxBytes);
  // Detection: up to three non-empty lines, keeping every raw line for a document.
  const consumed: Line[] = [];
  const nonEmpty: Line[] = [];
  const parsed: (object | undefined)[] = [];
  while (nonEmpty.length < 3) {
    let line: Line | undefined;
    try {
      line = await lines.next();
    } catch (err) {
      // A first line too long to be an NDJSON line: stream it as one document.
      if (!(err instanceof LineTooLongError) || nonEmpty.length > 0) throw err;
      onLayout?.('document');
      yield* documentValues(name, consumed, lines, maxBytes);
      return;
    }
    if (!line) break;
    consumed.push(line);
    if (line.text.trim() === '') continue;
    nonEmpty.push(line);
    parsed.push(parseJsonContainer(line.text));
    if (nonEmpty.length === 1 && parsed[0] !== undefined) break;
  }
  if (nonEmpty.length === 0) {
    yield { error: new InputFormatError(name, 'empty file: no JSON found'), unrecognised: true };
    return;
  }
  const layout = detectLayout(parsed);

  if (layout === 'ndjson') {
    // One JSON value on one line is a document, not NDJSON: the layout is told once a second
    // non-empty line exists, or at the end of a one-line file.
    let told = nonEmpty.length > 1;
    if (told) onLayout?.('ndjson');
    for (let i = 0; i < nonEmpty.length; i++) {
      const line = nonEmpty[i];
      yield parsed[i] !== undefined ? { value: parsed[i], where: `${name}:${line.number}` } : lineValue(name, line);
    }
    for (let line = await lines.next(); line; line = await lines.next()) {
      if (line.text.trim() === '') continue;
      if (!told) onLayout?.('ndjson');
      told = true;
      yield lineValue(name, line);
    }
    if (!told) onLayout?.('document');
    return;
  }
  onLayout?.(layout);

  yield* documentValues(name, consumed, lines, maxBytes);
}

/** The values of a JSON document, streamed element by element where its shape allows. */
async function* documentValues(name: string, consumed: readonly Line[], lines: LineReader, maxBytes: number): AsyncGenerator<JsonValueOrError> {
  async function* bytes(): AsyncGenerator<Uint8Array> {
    for (const l of consumed) yield Buffer.concat([l.raw, NEWLINE]);
    yield* lines.remaining();
  }
  let root: 'array' | 'object' | undefined;
  let roots = 0;
  let streamed = false;
  /** A member of the root object did not parse: the object is reported, not read. */
  let brokenRoot = false;
  let members: Record<string, unknown> = {};
  /** The first root is named by the file; later ones (a stream of values) by file and line too. */
  let where = name;
  try {
    for await (const ev of streamJsonDocument(bytes(), maxBytes)) {
      switch (ev.kind) {
        case 'open':
          if (root === 'object' && !streamed && !brokenRoot) yield { value: members, where };
          root = ev.container;
          streamed = false;
          brokenRoot = false;
          members = {};
          if (++roots > 1) where = `${name}:${ev.start.line}`;
          break;
        case 'error':
          yield { error: new InputFormatError(`${name}:${ev.at.line}:${ev.at.column} (byte ${ev.at.byte})`, `malformed JSON: ${ev.reason}`), unrecognised: false };
          return;
        case 'scalar':
        case 'member': {
          const parsed = parseValue(name, ev.text, ev.start);
          if ('error' in parsed) {
            yield parsed;
            if (ev.kind === 'scalar') return;
            brokenRoot = true;
            continue;
          }
          if (ev.kind === 'scalar') yield { value: parsed.value, where };
          // As JSON.parse does: an own property, also for "__proto__".
          else Object.defineProperty(members, ev.key, { value: parsed.value, writable: true, enumerable: true, configurable: true });
          break;
        }
        case 'stream':
          streamed = true;
          break;
        case 'element': {
          const parsed = parseValue(name, ev.text, ev.start);
          if ('error' in parsed) {
            yield parsed;
            continue;
          }
          if (ev.member === 'resourceSpans') {
            const item: TraceItem = { kind: 'otlp', path: '', value: { resourceSpans: [parsed.value] }, resourceSpansOffset: ev.index };
            yield { item, where };
          } else {
            const path = ev.member === undefined ? `[${ev.index}]` : `${ev.member}[${ev.index}]`;
            yield { item: classifyTraceObject(parsed.value, path, ev.member === undefined), where };
          }
          break;
        }
      }
    }
  } catch (err) {
    if (!(err instanceof ValueTooLargeError)) throw err;
    yield { error: new InputFormatError(`${name}:${err.message}`, tooLargeReason(maxBytes)), unrecognised: false };
    return;
  }
  if (root === 'object' && !streamed && !brokenRoot) yield { value: members, where };
}

const NEWLINE = Buffer.from('\n');

/** JSON.parse of a value that starts at `start` in the file; a syntax error names its file position. */
function parseValue(name: string, text: string, start: JsonPosition): { value: unknown } | { error: InputFormatError; unrecognised: false } {
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    const found = findJsonSyntaxError(text);
    if (!found) return { error: new InputFormatError(`${name}:${start.line}:${start.column}`, `malformed JSON: ${err instanceof Error ? err.message : String(err)}`), unrecognised: false };
    const pos = positionOf(text, found.offset);
    const line = start.line + pos.line - 1;
    const column = pos.line === 1 ? start.column + pos.column - 1 : pos.column;
    return { error: new InputFormatError(`${name}:${line}:${column} (byte ${start.byte + pos.byte})`, `malformed JSON: ${found.reason}`), unrecognised: false };
  }
}

function lineValue(name: string, line: Line): JsonValueOrError {
  const parsed = parseValue(name, line.text, { line: line.number, column: 1, byte: line.byteOffset });
  return 'error' in parsed ? parsed : { value: parsed.value, where: `${name}:${line.number}` };
}

function* decodeItem(where: string, item: TraceItem, isolate: boolean): Generator<TraceFileEntry> {
  if (item.kind === 'invalid') {
    yield { ok: false, error: new InputFormatError(item.path ? `${where}: ${item.path}` : where, item.reason), unrecognised: item.unrecognised };
    return;
  }
  const decoder = item.kind === 'jaeger' ? JAEGER_DECODER : OTLP_DECODER;
  const at = decoder.at(where, item.path);
  const offset = item.kind === 'otlp' ? (item.resourceSpansOffset ?? 0) : 0;
  try {
    yield { ok: true, spans: decoder.decode(item.value, at, offset), format: item.kind };
  } catch (err) {
    if (!isolate) {
      yield { ok: false, error: asInputError(at, err), unrecognised: false };
      return;
    }
    for (const one of decoder.isolate(item.value, at, offset)) {
      yield one.ok ? { ok: true, spans: one.spans, format: item.kind } : { ok: false, error: one.error, unrecognised: false };
    }
  }
}

type Isolated = { ok: true; spans: Span[] } | { ok: false; error: InputFormatError };

interface ItemDecoder {
  /** The error prefix for an item at `path` of the value read at `where`. */
  at(where: string, path: string): string;
  /**
   * Valid spans of the item; throws InputFormatError at the first problem. `offset`: the index in
   * the original document of the item's first OTLP ResourceSpans (0 unless streamed).
   */
  decode(value: Record<string, unknown>, at: string, offset: number): Span[];
  /** The item span by span: each span valid, or its error (with the span's own path). */
  isolate(value: Record<string, unknown>, at: string, offset: number): Iterable<Isolated>;
}

/** A UI trace: `traceFromJaegerJson` names spans `${at}.spans[i]`. */
const JAEGER_DECODER: ItemDecoder = {
  at: (where, path) => `${where}: ${path || '$'}`,
  decode(value, at) {
    const { spans } = traceFromJaegerJson(value, at);
    validateSpans(spans, (i) => `${at}.spans[${i}]`);
    return spans;
  },
  *isolate(value, at) {
    const spans = value.spans as unknown[];
    for (let i = 0; i < spans.length; i++) {
      try {
        yield { ok: true, spans: this.decode({ ...value, spans: [spans[i]] }, at, 0) };
      } catch (err) {
        yield { ok: false, error: relocate(asInputError(at, err), `${at}.spans[0]`, `${at}.spans[${i}]`) };
      }
    }
  },
};

/** An OTLP object: otlp-json/otlp name spans `${at}: resourceSpans[r].scopeSpans[s].spans[p]`. */
const OTLP_DECODER: ItemDecoder = {
  at: (where, path) => (path ? `${where}: ${path}` : where),
  decode(value, at, offset) {
    try {
      const tree = otlpJsonToTree(value, at);
      const spans = spansFromOtlp(tree, at);
      validateSpans(spans, (i) => otlpSpanPath(tree, i, at, offset));
      return spans;
    } catch (err) {
      if (!offset || !(err instanceof InputFormatError)) throw err;
      throw relocate(err, `${at}: resourceSpans[0]`, `${at}: resourceSpans[${offset}]`);
    }
  },
  *isolate(value, at, offset) {
    const resourceSpans = value.resourceSpans as unknown[];
    for (let i = 0; i < resourceSpans.length; i++) {
      const ri = i + offset;
      const rs = resourceSpans[i] as Record<string, unknown>;
      const scopes = isJsonObject(rs) ? (rs.scopeSpans ?? rs.instrumentationLibrarySpans) : undefined;
      const decodeOne = (mini: Record<string, unknown>, from: string, to: string): Isolated => {
        try {
          return { ok: true, spans: this.decode({ resourceSpans: [mini] }, at, 0) };
        } catch (err) {
          const e = relocate(asInputError(at, err), from, to);
          return { ok: false, error: relocate(e, `${at}: resourceSpans[0]`, `${at}: resourceSpans[${ri}]`) };
        }
      };
      if (!Array.isArray(scopes)) {
        yield decodeOne(rs, `${at}: resourceSpans[0]`, `${at}: resourceSpans[${ri}]`);
        continue;
      }
      for (let si = 0; si < scopes.length; si++) {
        const ss = scopes[si] as Record<string, unknown>;
        const spans = isJsonObject(ss) ? ss.spans : undefined;
        const scopeAt = `${at}: resourceSpans[${ri}].scopeSpans[${si}]`;
        if (!Array.isArray(spans)) {
          yield decodeOne({ ...rs, scopeSpans: [ss] }, `${at}: resourceSpans[0].scopeSpans[0]`, scopeAt);
          continue;
        }
        for (let pi = 0; pi < spans.length; pi++) {
          const mini = { ...rs, scopeSpans: [{ ...ss, spans: [spans[pi]] }] };
          yield decodeOne(mini, `${at}: resourceSpans[0].scopeSpans[0].spans[0]`, `${scopeAt}.spans[${pi}]`);
        }
      }
    }
  },
};

function otlpSpanPath(tree: readonly OtlpResourceSpans[], index: number, at: string, offset: number): string {
  let i = 0;
  for (let ri = 0; ri < tree.length; ri++) {
    const scopes = tree[ri].scopeSpans ?? [];
    for (let si = 0; si < scopes.length; si++) {
      const n = scopes[si].spans?.length ?? 0;
      if (index < i + n) return `${at}: resourceSpans[${ri + offset}].scopeSpans[${si}].spans[${index - i}]`;
      i += n;
    }
  }
  return at;
}

/** The error with the prefix `from` of its position replaced by `to`. */
function relocate(err: InputFormatError, from: string, to: string): InputFormatError {
  return err.where.startsWith(from) ? new InputFormatError(to + err.where.slice(from.length), err.reason) : err;
}

function asInputError(at: string, err: unknown): InputFormatError {
  if (err instanceof InputFormatError) return err;
  return new InputFormatError(at, reasonOf(err));
}

/**
 * The reason an error gives, for messages. Decoding follows nested values (OTLP AnyValue arrays
 * and maps) recursively, as deep as the input nests them: a value nested deeper than the call
 * stack allows is reported as what it is, not as the engine's "Maximum call stack size exceeded".
 */
function reasonOf(err: unknown): string {
  if (err instanceof RangeError && /call stack/i.test(err.message)) return 'a value nested too deeply to decode (trace data nests a few levels, not thousands)';
  return err instanceof Error ? err.message : String(err);
}

/**
 * The bytes of a file, refused at the first NUL: JSON text never holds one (not even inside a
 * string, where control characters must be escaped), so a binary or zero-filled file fails after
 * its first read, not after the largest document's worth of bytes.
 */
async function* refuseNul(name: string, bytes: AsyncIterable<Uint8Array | string>): AsyncGenerator<Uint8Array | string> {
  let offset = 0;
  for await (const chunk of bytes) {
    const at = typeof chunk === 'string' ? chunk.indexOf('\0') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).indexOf(0);
    if (at >= 0) {
      const byte = typeof chunk === 'string' ? offset + Buffer.byteLength(chunk.slice(0, at)) : offset + at;
      throw new InputFormatError(`${name} (byte ${byte})`, 'a NUL byte: not JSON text (a binary or zero-filled file?)');
    }
    offset += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    yield chunk;
  }
}

/** Validates decoded spans, naming `spanPath(i)` for the i-th span on failure. */
export function validateSpans(spans: readonly Span[], spanPath: (i: number) => string): void {
  for (let i = 0; i < spans.length; i++) {
    try {
      validateSpan(spans[i]);
    } catch (err) {
      throw new InputFormatError(spanPath(i), reasonOf(err).replace(/^span [0-9a-f?]+: /, ''));
    }
  }
}

class LineTooLongError extends InputFormatError {}

function tooLargeReason(maxBytes: number): string {
  const limit = maxBytes >= 1048576 ? `${Math.round(maxBytes / 1048576)} MiB` : `${maxBytes} bytes`;
  return `a single JSON value or line larger than ${limit}; split it, or write one trace per line (NDJSON)`;
}

interface Line {
  /** Without the line feed (and without a trailing carriage return); a BOM on line 1 removed. */
  text: string;
  /** The line's bytes without the line feed (a BOM on line 1 removed). */
  raw: Buffer;
  /** 1-based. */
  number: number;
  /** Byte offset of the line's first byte in the file. */
  byteOffset: number;
}

/** Splits a byte stream into lines without holding more than one line (plus one chunk) in memory. */
class LineReader {
  private chunk: Buffer | undefined;
  private pos = 0;
  private carry: Buffer[] = [];
  private carryLength = 0;
  private lineNumber = 0;
  private byteOffset = 0;
  private ended = false;

  constructor(
    private readonly name: string,
    private readonly source: AsyncIterator<Uint8Array | string>,
    private readonly maxLineBytes: number,
  ) {}

  async next(): Promise<Line | undefined> {
    for (;;) {
      if (this.chunk) {
        const nl = this.chunk.indexOf(10, this.pos);
        if (nl !== -1) {
          if (nl - this.pos + this.carryLength > this.maxLineBytes) {
            // Keep every unread byte for remaining(), then refuse the line.
            const tail = this.chunk.subarray(this.pos);
            this.chunk = undefined;
            this.carry.push(tail);
            this.carryLength += tail.length;
            this.tooLong();
          }
          let bytes = this.chunk.subarray(this.pos, nl);
          this.pos = nl + 1;
          if (this.carryLength) bytes = this.takeCarry(bytes);
          return this.line(bytes, bytes.length + 1);
        }
        const tail = this.chunk.subarray(this.pos);
        this.chunk = undefined;
        this.keep(tail);
      }
      if (!(await this.pull())) {
        if (!this.carryLength) return undefined;
        const bytes = this.takeCarry(Buffer.alloc(0));
        return this.line(bytes, bytes.length);
      }
    }
  }

  /** Every byte not yet returned as a line, chunk by chunk. */
  async *remaining(): AsyncGenerator<Buffer> {
    if (this.carryLength) yield this.takeCarry(Buffer.alloc(0));
    if (this.chunk) {
      const rest = this.chunk.subarray(this.pos);
      this.chunk = undefined;
      if (rest.length) yield rest;
    }
    while (await this.pull()) {
      const chunk = this.chunk!;
      this.chunk = undefined;
      yield chunk;
    }
  }

  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    const r = await this.source.next();
    if (r.done) {
      this.ended = true;
      return false;
    }
    this.chunk = typeof r.value === 'string' ? Buffer.from(r.value, 'utf8') : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    this.pos = 0;
    return true;
  }

  private keep(bytes: Buffer): void {
    if (!bytes.length) return;
    this.carry.push(bytes);
    this.carryLength += bytes.length;
    if (this.carryLength > this.maxLineBytes) this.tooLong();
  }

  /** Throws LineTooLongError; the bytes read so far stay available to remaining(). */
  private tooLong(): never {
    throw new LineTooLongError(`${this.name}:${this.lineNumber + 1}`, tooLargeReason(this.maxLineBytes));
  }

  private takeCarry(tail: Buffer): Buffer {
    const all = Buffer.concat([...this.carry, tail]);
    this.carry = [];
    this.carryLength = 0;
    return all;
  }

  private line(bytes: Buffer, consumedBytes: number): Line {
    this.lineNumber++;
    const offset = this.byteOffset;
    this.byteOffset += consumedBytes;
    const raw = this.lineNumber === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
    let text = raw.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    return { text, raw, number: this.lineNumber, byteOffset: offset };
  }
}
