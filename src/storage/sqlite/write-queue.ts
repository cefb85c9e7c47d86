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
import type { ChunkWriteRequest, ChunkWrites } from './chunk-writes.js';
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
    /** The index keys of request.chunks[i]: pairs[ends[i − 1] … ends[i] − 1] (ChunkKeys.moveTo). */
    const chunkKeys: CommitKeys = { pairs: [], ends: [] };
    let ids: number[];
    try {
      const tenant = this.conn.use(() => this.conn.tenantId(tenantName, true)!);
      if (archive) {
        for (const chunk of chunksOf(spans)) {
          validateChunk(chunk);
          request.archive.push({ tenant, traceId: chunk[0].traceId, body: encodeChunk(chunk, this.encoderScratch) });
        }
      } else this.prepareChunks(tenant, spans, request, chunkKeys);
      ids = this.conn.use(() => this.writes.write(request));
    } catch (error) {
      // Operations noted for this batch were not stored.
      this.knownOperations.clear();
      throw error;
    }
    for (let i = 0; i < ids.length; i++) {
      const c = request.chunks[i];
      this.postings.pending.addChunk(ids[i], c.spanCount, c.startMin, c.startMax, chunkKeys.pairs, i === 0 ? 0 : chunkKeys.ends[i - 1], chunkKeys.ends[i]);
    }
  }

  /**
   * Encodes one batch's chunks into `request`, their index keys into `chunkKeys`, and notes new
   * operations: every step of a chunk while its spans are in cache.
   */
  private prepareChunks(tenant: number, spans: readonly Span[], request: ChunkWriteRequest, chunkKeys: CommitKeys): void {
    let known = this.knownOperations.get(tenant);
    if (!known) this.knownOperations.set(tenant, (known = new KnownOperations()));
    const keys = this.postings.spanKeysOf(tenant);
    const first = request.chunks.length;
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
      this.summary.chunk({ offset: request.chunks.length - first, traceKey, startMin, startMax, spans: group });
      request.chunks.push({ tenant, traceKey, startMin, startMax, spanCount: group.length, body: encodeChunk(group, this.encoderScratch) });
      if (startMin < batchMin) batchMin = startMin;
      if (startMax > batchMax) batchMax = startMax;
    }
    const count = request.chunks.length - first;
    // A copy: the summary is a view of the writer's buffer.
    if (count > 0) request.summaries.push({ tenant, first, count, startMin: batchMin, startMax: batchMax, summary: new Uint8Array(this.summary.finish()) });
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
