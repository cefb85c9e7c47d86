/**
 * The import service: trace files → SpanWriter, in batches.
 *
 * All-or-nothing by default: every input is read and validated before the first span is written,
 * so a bad entry anywhere means nothing is imported (the error says so). Spans read during
 * validation are kept in memory up to `retainSpans`; past that, inputs are read a second time to
 * write them (inputs must therefore be re-openable — stdin is spooled to a file by the caller).
 * With `skipInvalid`, one pass: valid entries are written as they are read, bad ones reported
 * through `onSkipped` and counted (an entry is a span, or a whole value/line that is not readable).
 */
import type { Span } from '../model/index.js';
import { InputFormatError, InvalidArgumentError, JaegerSlsError, StorageUnavailableError } from '../model/index.js';
import { readTraceFile } from '../formats/trace-file-reader.js';
import type { TraceFileEntry, TraceFormat } from '../formats/trace-file-reader.js';
import type { TraceFileLayout } from '../formats/detect.js';
import type { SpanWriter } from '../storage/types.js';

export interface ImportInput {
  /** How messages name the input: its path, or "stdin". */
  name: string;
  /** A fresh stream of the input's bytes on every call. */
  open(): AsyncIterable<Uint8Array | string>;
}

export interface ImportOptions {
  inputs: readonly ImportInput[];
  skipInvalid: boolean;
  /** Spans per writeSpans call. */
  batchSpans: number;
  /** Spans kept in memory between validating and writing (all-or-nothing mode). */
  retainSpans?: number;
  /** Spans written so far, and the total when known. */
  onProgress?: (written: number, total?: number) => void;
  /** Spans read and validated so far, before any is written (all-or-nothing mode). */
  onValidated?: (validated: number) => void;
  /** A bad entry skipped (skipInvalid only). */
  onSkipped?: (error: InputFormatError) => void;
}

export interface FileImportSummary {
  file: string;
  /** e.g. "Jaeger JSON", "OTLP NDJSON", "Jaeger+OTLP NDJSON"; "" when nothing was readable. */
  format: string;
  traces: number;
  spans: number;
  skipped: number;
}

export interface ImportSummary {
  traces: number;
  spans: number;
  skipped: number;
  files: FileImportSummary[];
}

export const DEFAULT_BATCH_SPANS = 5000;
const DEFAULT_RETAIN_SPANS = 200_000;

export async function importTraceFiles(writer: SpanWriter, options: ImportOptions): Promise<ImportSummary> {
  const sink = new BatchWriter(writer, options.batchSpans, options.onProgress);
  const summary: ImportSummary = { traces: 0, spans: 0, skipped: 0, files: [] };
  const allTraces = new Set<string>();

  if (options.skipInvalid) {
    for (const input of options.inputs) {
      const file = new FileTally(input.name);
      for await (const entry of read(input, true, file)) {
        if (!entry.ok) {
          file.skipped++;
          options.onSkipped?.(entry.error);
          continue;
        }
        file.add(entry, allTraces);
        await sink.add(entry.spans);
      }
      summary.files.push(file.summary());
    }
    await sink.flush();
  } else {
    // Pass 1: validate everything, keeping spans while they fit.
    const retainLimit = options.retainSpans ?? DEFAULT_RETAIN_SPANS;
    let retained: Span[][] | undefined = [];
    let retainedCount = 0;
    let validated = 0;
    for (const input of options.inputs) {
      const file = new FileTally(input.name);
      for await (const entry of read(input, false, file)) {
        if (!entry.ok) throw new InputFormatError(entry.error.where, `${entry.error.reason}; nothing was imported`);
        file.add(entry, allTraces);
        validated += entry.spans.length;
        options.onValidated?.(validated);
        if (retained) {
          retainedCount += entry.spans.length;
          if (retainedCount <= retainLimit) retained.push(entry.spans);
          else retained = undefined;
        }
      }
      summary.files.push(file.summary());
    }
    sink.total = summary.files.reduce((n, f) => n + f.spans, 0);
    // Pass 2: write.
    if (retained) {
      for (const spans of retained) await sink.add(spans);
    } else {
      for (const input of options.inputs) {
        for await (const entry of read(input, false)) {
          if (!entry.ok) throw new InputFormatError(entry.error.where, `${entry.error.reason} (the input changed while importing)`);
          await sink.add(entry.spans);
        }
      }
    }
    await sink.flush();
  }
  summary.traces = allTraces.size;
  summary.spans = summary.files.reduce((n, f) => n + f.spans, 0);
  summary.skipped = summary.files.reduce((n, f) => n + f.skipped, 0);
  return summary;
}

async function* read(input: ImportInput, isolate: boolean, tally?: FileTally): AsyncGenerator<TraceFileEntry> {
  const entries = readTraceFile(input.name, input.open(), {
    isolateInvalidSpans: isolate,
    onLayout: (layout) => tally?.setLayout(layout),
  });
  try {
    yield* entries;
  } catch (err) {
    if (err instanceof JaegerSlsError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new InvalidArgumentError(`${input.name}: no such file`);
    throw new Error(`cannot read ${input.name}: ${e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a folder' : (e.message ?? String(err))}`);
  }
}

class FileTally {
  spans = 0;
  skipped = 0;
  private layout: TraceFileLayout | undefined;
  private readonly formats = new Set<TraceFormat>();
  private readonly traces = new Set<string>();

  constructor(private readonly file: string) {}

  setLayout(layout: TraceFileLayout): void {
    this.layout = layout;
  }

  add(entry: { spans: Span[]; format: TraceFormat }, allTraces: Set<string>): void {
    this.formats.add(entry.format);
    this.spans += entry.spans.length;
    for (const s of entry.spans) {
      this.traces.add(s.traceId);
      allTraces.add(s.traceId);
    }
  }

  summary(): FileImportSummary {
    const names = [...this.formats].sort().map((f) => (f === 'otlp' ? 'OTLP' : 'Jaeger'));
    const format = names.length ? `${names.join('+')} ${this.layout === 'ndjson' ? 'NDJSON' : 'JSON'}` : '';
    return { file: this.file, format, traces: this.traces.size, spans: this.spans, skipped: this.skipped };
  }
}

/** Accumulates spans and writes them `batchSpans` at a time; failures say how much was written. */
class BatchWriter {
  total: number | undefined;
  private pending: Span[] = [];
  private written = 0;

  constructor(
    private readonly writer: SpanWriter,
    private readonly batchSpans: number,
    private readonly onProgress?: (written: number, total?: number) => void,
  ) {}

  async add(spans: readonly Span[]): Promise<void> {
    for (const s of spans) {
      this.pending.push(s);
      if (this.pending.length >= this.batchSpans) await this.flush();
    }
  }

  async flush(): Promise<void> {
    if (!this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    try {
      await this.writer.writeSpans(batch);
    } catch (err) {
      const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
      const text = `writing to the store failed after ${this.written} spans were imported: ${message}`;
      throw err instanceof InvalidArgumentError ? new InvalidArgumentError(text, { cause: err }) : new StorageUnavailableError(text, { cause: err });
    }
    this.written += batch.length;
    this.onProgress?.(this.written, this.total);
  }
}
