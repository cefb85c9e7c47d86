/**
 * Streaming reader for trace files: Jaeger UI/query JSON, OTLP JSON and their newline-delimited
 * variants, detected by content (detect.ts). Yields decoded, validated spans entry by entry, and
 * every bad entry as an InputFormatError naming the file, the position and the reason.
 *
 * Memory: NDJSON is read line by line (one line held at a time); a single JSON document is read
 * whole and parsed with JSON.parse, up to `maxDocumentBytes` (default 256 MiB) — larger documents
 * are rejected with a hint to use NDJSON.
 *
 * Positions: `FILE:LINE` for NDJSON lines, `FILE:LINE:COLUMN (byte N)` for JSON syntax errors, and a
 * JSON path (`data[3].spans[1].traceID`, `resourceSpans[0].scopeSpans[0].spans[2]`) inside a value.
 */
import type { Span } from '../model/index.js';
import { InputFormatError, validateSpan } from '../model/index.js';
import { detectLayout, parseJsonContainer, traceItemsOf } from './detect.js';
import type { TraceFileLayout, TraceItem } from './detect.js';
import { traceFromJaegerJson } from './jaeger-json.js';
import { spansFromOtlp } from './otlp.js';
import type { OtlpResourceSpans } from './otlp.js';
import { otlpJsonToTree } from './otlp-json.js';
import { findJsonSyntaxError, positionOf } from './json-syntax.js';

/** The flavour an entry was read as. */
export type TraceFormat = 'jaeger' | 'otlp';

export const DEFAULT_MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

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
 * Reads one trace file. `name` is how errors refer to it (a path, or "stdin"); `bytes` its content.
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
    for await (const v of readJsonValues(name, bytes, maxBytes, options.onLayout)) {
      if ('error' in v) {
        yield { ok: false, error: v.error, unrecognised: v.unrecognised };
        continue;
      }
      for (const item of traceItemsOf(v.value)) {
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

type JsonValueOrError = { value: unknown; where: string } | { error: InputFormatError; unrecognised: boolean };

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
    const line = await lines.next();
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
  onLayout?.(layout);

  if (layout === 'ndjson') {
    for (let i = 0; i < nonEmpty.length; i++) {
      const line = nonEmpty[i];
      yield parsed[i] !== undefined ? { value: parsed[i], where: `${name}:${line.number}` } : lineValue(name, line);
    }
    for (let line = await lines.next(); line; line = await lines.next()) {
      if (line.text.trim() === '') continue;
      yield lineValue(name, line);
    }
    return;
  }

  const rest = await lines.rest();
  const text = consumed.map((l) => l.text).join('\n') + (rest.length ? `\n${rest.toString('utf8')}` : '');
  try {
    yield { value: JSON.parse(text), where: name };
  } catch (err) {
    yield { error: syntaxError(name, text, 0, err), unrecognised: false };
  }
}

function lineValue(name: string, line: Line): JsonValueOrError {
  try {
    return { value: JSON.parse(line.text), where: `${name}:${line.number}` };
  } catch (err) {
    return { error: syntaxError(name, line.text, line.number - 1, err, line.byteOffset), unrecognised: false };
  }
}

/** "FILE:LINE:COL (byte B): malformed JSON: reason"; `lineBase` and `byteBase` place a line in its file. */
function syntaxError(name: string, text: string, lineBase: number, err: unknown, byteBase = 0): InputFormatError {
  const found = findJsonSyntaxError(text);
  if (!found) return new InputFormatError(name, `malformed JSON: ${err instanceof Error ? err.message : String(err)}`);
  const pos = positionOf(text, found.offset);
  return new InputFormatError(`${name}:${lineBase + pos.line}:${pos.column} (byte ${byteBase + pos.byte})`, `malformed JSON: ${found.reason}`);
}

function* decodeItem(where: string, item: TraceItem, isolate: boolean): Generator<TraceFileEntry> {
  if (item.kind === 'invalid') {
    yield { ok: false, error: new InputFormatError(item.path ? `${where}: ${item.path}` : where, item.reason), unrecognised: item.unrecognised };
    return;
  }
  const decoder = item.kind === 'jaeger' ? JAEGER_DECODER : OTLP_DECODER;
  const at = decoder.at(where, item.path);
  try {
    yield { ok: true, spans: decoder.decode(item.value, at), format: item.kind };
  } catch (err) {
    if (!isolate) {
      yield { ok: false, error: asInputError(at, err), unrecognised: false };
      return;
    }
    for (const one of decoder.isolate(item.value, at)) {
      yield one.ok ? { ok: true, spans: one.spans, format: item.kind } : { ok: false, error: one.error, unrecognised: false };
    }
  }
}

type Isolated = { ok: true; spans: Span[] } | { ok: false; error: InputFormatError };

interface ItemDecoder {
  /** The error prefix for an item at `path` of the value read at `where`. */
  at(where: string, path: string): string;
  /** Valid spans of the item; throws InputFormatError at the first problem. */
  decode(value: Record<string, unknown>, at: string): Span[];
  /** The item span by span: each span valid, or its error (with the span's own path). */
  isolate(value: Record<string, unknown>, at: string): Iterable<Isolated>;
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
        yield { ok: true, spans: this.decode({ ...value, spans: [spans[i]] }, at) };
      } catch (err) {
        yield { ok: false, error: relocate(asInputError(at, err), `${at}.spans[0]`, `${at}.spans[${i}]`) };
      }
    }
  },
};

/** An OTLP object: otlp-json/otlp name spans `${at}: resourceSpans[r].scopeSpans[s].spans[p]`. */
const OTLP_DECODER: ItemDecoder = {
  at: (where, path) => (path ? `${where}: ${path}` : where),
  decode(value, at) {
    const tree = otlpJsonToTree(value, at);
    const spans = spansFromOtlp(tree, at);
    validateSpans(spans, (i) => otlpSpanPath(tree, i, at));
    return spans;
  },
  *isolate(value, at) {
    const resourceSpans = value.resourceSpans as unknown[];
    for (let ri = 0; ri < resourceSpans.length; ri++) {
      const rs = resourceSpans[ri] as Record<string, unknown>;
      const scopes = isRecord(rs) ? (rs.scopeSpans ?? rs.instrumentationLibrarySpans) : undefined;
      const decodeOne = (mini: Record<string, unknown>, from: string, to: string): Isolated => {
        try {
          return { ok: true, spans: this.decode({ resourceSpans: [mini] }, at) };
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
        const spans = isRecord(ss) ? ss.spans : undefined;
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

function otlpSpanPath(tree: readonly OtlpResourceSpans[], index: number, at: string): string {
  let i = 0;
  for (let ri = 0; ri < tree.length; ri++) {
    const scopes = tree[ri].scopeSpans ?? [];
    for (let si = 0; si < scopes.length; si++) {
      const n = scopes[si].spans?.length ?? 0;
      if (index < i + n) return `${at}: resourceSpans[${ri}].scopeSpans[${si}].spans[${index - i}]`;
      i += n;
    }
  }
  return at;
}

/** The error with the prefix `from` of its position replaced by `to`. */
function relocate(err: InputFormatError, from: string, to: string): InputFormatError {
  return err.where.startsWith(from) ? new InputFormatError(to + err.where.slice(from.length), err.reason) : err;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asInputError(at: string, err: unknown): InputFormatError {
  if (err instanceof InputFormatError) return err;
  return new InputFormatError(at, err instanceof Error ? err.message : String(err));
}

/** Validates decoded spans, naming `spanPath(i)` for the i-th span on failure. */
export function validateSpans(spans: readonly Span[], spanPath: (i: number) => string): void {
  for (let i = 0; i < spans.length; i++) {
    try {
      validateSpan(spans[i]);
    } catch (err) {
      throw new InputFormatError(spanPath(i), (err instanceof Error ? err.message : String(err)).replace(/^span [0-9a-f?]+: /, ''));
    }
  }
}

interface Line {
  /** Without the line feed (and without a trailing carriage return); a BOM on line 1 removed. */
  text: string;
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
          let bytes = this.chunk.subarray(this.pos, nl);
          this.pos = nl + 1;
          if (this.carryLength) bytes = this.takeCarry(bytes);
          return this.line(bytes, bytes.length + 1);
        }
        this.keep(this.chunk.subarray(this.pos));
        this.chunk = undefined;
      }
      if (!(await this.pull())) {
        if (!this.carryLength) return undefined;
        const bytes = this.takeCarry(Buffer.alloc(0));
        return this.line(bytes, bytes.length);
      }
    }
  }

  /** Everything not yet returned as a line, as one buffer (bounded by maxLineBytes). */
  async rest(): Promise<Buffer> {
    if (this.chunk) {
      this.keep(this.chunk.subarray(this.pos));
      this.chunk = undefined;
    }
    while (await this.pull()) {
      this.keep(this.chunk!);
      this.chunk = undefined;
    }
    return this.takeCarry(Buffer.alloc(0));
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
    if (this.carryLength > this.maxLineBytes) {
      const limit = this.maxLineBytes >= 1048576 ? `${Math.round(this.maxLineBytes / 1048576)} MiB` : `${this.maxLineBytes} bytes`;
      throw new InputFormatError(
        `${this.name}:${this.lineNumber + 1}`,
        `a single JSON document or line larger than ${limit}; split it, or write one trace per line (NDJSON)`,
      );
    }
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
    let text = bytes.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (this.lineNumber === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { text, number: this.lineNumber, byteOffset: offset };
  }
}
