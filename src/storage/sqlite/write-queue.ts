/**
 * The write path of the embedded store: each writeSpans call commits in one transaction
 * (chunk-writes.ts); concurrent callers share transactions through the group-commit decorator
 * the store is opened with (storage/group-commit.ts). Each batch's spans are grouped by
 * trace id into chunks (chunk-spans.ts), encoded (span-codec.ts), summarized for the dependency
 * scan (dependency-summary.ts) and their index keys gathered (postings-index.ts), every step of a
 * chunk while its spans are in cache.
 */
import type { Span } from '../../model/index.js';
import { StorageUnavailableError, spanKind } from '../../model/index.js';
import type { ChunkRow, ChunkWriteRequest, ChunkWrites } from './chunk-writes.js';
import { chunksOf, MAX_TIME, MIN_TIME, startRange, validateChunk } from './chunk-spans.js';
import type { SqliteConnection } from './connection.js';
import { DependencySummaryWriter } from './dependency-summary.js';
import { ChunkKeys } from './pending-postings.js';
import type { PostingsIndex } from './postings-index.js';
import { type ChunkScratch, encodeChunk } from './span-codec.js';

/** Index-key pairs of the chunks of one commit (ChunkKeys.moveTo); chunk i's end at ends[i]. */
interface CommitKeys {
  pairs: number[];
  ends: number[];
}

export class SpanCommits {
  /** Per tenant: operations known to be in the `operations` table. */
  private readonly knownOperations = new Map<number, KnownOperations>();
  /** Gathers one chunk's index keys at a time. */
  private readonly chunkKeys = new ChunkKeys();
  private readonly summary = new DependencySummaryWriter();
  private readonly encoderScratch: ChunkScratch = [];

  constructor(
    private readonly conn: SqliteConnection,
    private readonly writes: ChunkWrites,
    private readonly postings: PostingsIndex,
  ) {}

  /**
   * Commits the batch in one transaction before returning. Spans are validated as their chunks are
   * encoded (while in cache): an invalid span throws InvalidArgumentError and nothing of the batch
   * is stored.
   */
  writeSpans(tenantName: string, spans: readonly Span[], archive: boolean): void {
    if (this.conn.closed) throw new StorageUnavailableError(`sqlite store "${this.conn.path}" is closed`);
    if (spans.length === 0) return;
    try {
      this.commit(tenantName, spans, archive);
    } finally {
      this.postings.flushIfFull();
      this.postings.flushWhenIdle();
    }
  }

  /** Forgets which operations are stored (after a purge). */
  forgetOperations(): void {
    this.knownOperations.clear();
  }

  private commit(tenantName: string, spans: readonly Span[], archive: boolean): void {
    const request: ChunkWriteRequest = { chunks: [], summaries: [], archive: [], operations: [] };
    /** The index keys of the i-th chunk: pairs[ends[i − 1] … ends[i] − 1] (ChunkKeys.moveTo). */
    const chunkKeys: CommitKeys = { pairs: [], ends: [] };
    /** Per chunk: span count, earliest and latest span start (µs). */
    const facts: number[] = [];
    let ids: number[];
    try {
      const tenant = this.conn.use(() => this.conn.tenantId(tenantName, true)!);
      if (archive) {
        for (const chunk of chunksOf(spans)) {
          validateChunk(chunk);
          request.archive.push({ tenant, traceId: chunk[0].traceId, body: encodeChunk(chunk, this.encoderScratch) });
        }
      } else request.chunks = this.encodedChunks(tenant, spans, request, chunkKeys, facts);
      ids = this.conn.use(() => this.writes.write(request));
    } catch (error) {
      // Operations noted for this batch were not stored.
      this.knownOperations.clear();
      throw error;
    }
    for (let i = 0; i < ids.length; i++) {
      this.postings.pending.addChunk(ids[i], facts[3 * i], facts[3 * i + 1], facts[3 * i + 2], chunkKeys.pairs, i === 0 ? 0 : chunkKeys.ends[i - 1], chunkKeys.ends[i]);
    }
  }

  /**
   * The batch's chunk rows, each validated and encoded as it is pulled (inside the transaction,
   * chunk-writes.ts), its index keys into `chunkKeys`, its span count and start range into `facts`;
   * every step of a chunk while its spans are in cache. After the last chunk: the batch's summary
   * and new operations into `request`.
   */
  private *encodedChunks(tenant: number, spans: readonly Span[], request: ChunkWriteRequest, chunkKeys: CommitKeys, facts: number[]): Generator<ChunkRow> {
    let known = this.knownOperations.get(tenant);
    if (!known) this.knownOperations.set(tenant, (known = new KnownOperations()));
    const keys = this.postings.spanKeysOf(tenant);
    let count = 0;
    let batchMin = MAX_TIME;
    let batchMax = MIN_TIME;
    this.summary.start();
    this.chunkKeys.clear();
    for (const group of chunksOf(spans)) {
      validateChunk(group);
      const { startMin, startMax } = startRange(group);
      for (const span of group) {
        known.note(span.process.serviceName, span.operationName, spanKind(span));
        keys.forEach(span, this.chunkKeys);
      }
      this.chunkKeys.moveTo(chunkKeys.pairs);
      chunkKeys.ends.push(chunkKeys.pairs.length);
      const traceKey = Buffer.from(group[0].traceId, 'hex');
      this.summary.chunk({ offset: count++, traceKey, startMin, startMax, spans: group });
      facts.push(group.length, startMin, startMax);
      if (startMin < batchMin) batchMin = startMin;
      if (startMax > batchMax) batchMax = startMax;
      yield { tenant, traceKey, startMin, startMax, spanCount: group.length, body: encodeChunk(group, this.encoderScratch) };
    }
    // A copy: the summary is a view of the writer's buffer.
    if (count > 0) request.summaries.push({ tenant, first: 0, count, startMin: batchMin, startMax: batchMax, summary: new Uint8Array(this.summary.finish()) });
    for (const [service, name, kind] of known.takeNew()) request.operations.push([tenant, service, name, kind]);
  }
}

/** Operations known to be stored for one tenant, and those noted since the last takeNew. */
class KnownOperations {
  private readonly byService = new Map<string, Map<string, Set<string>>>();
  private added: [string, string, string][] = [];

  note(service: string, name: string, kind: string): void {
    let names = this.byService.get(service);
    if (!names) this.byService.set(service, (names = new Map()));
    let kinds = names.get(name);
    if (!kinds) names.set(name, (kinds = new Set()));
    if (kinds.has(kind)) return;
    kinds.add(kind);
    this.added.push([service, name, kind]);
  }

  takeNew(): [string, string, string][] {
    const out = this.added;
    this.added = [];
    return out;
  }
}
