/**
 * Versioned schema of the embedded store, tracked in SQLite's `PRAGMA user_version`.
 * Migration N brings a database from version N−1 to N; each runs in the same transaction as the
 * version bump, so a crash leaves the database at a whole version. Never edit a released migration;
 * append a new one.
 *
 * Layout (all times integer µs since epoch):
 * - tenants(id, name)                    — "" is the default tenant.
 * - operations(tenant, service, name, kind) — answers GetServices / GetOperations.
 * - chunks(id, tenant, trace_id, start_min, start_max, span_count, body, shared) — the spans of one
 *   trace id from one write batch, encoded by span-codec.ts; indexed by trace id and by time.
 *   `shared` is 1 when the trace id has other chunks too (v2).
 * - postings(id, hash, start_min, start_max, n, entries) — search index: per index key
 *   (index-keys.ts) and group of indexed chunks, `n` entries of four float64 LE: chunk id, the
 *   chunk's earliest and latest span start, service mask of the chunk's spans carrying the key
 *   (serviceBit). Rows written before v3 hold one write batch each.
 * - archive_chunks — archived spans, same encoding, apart from the primary data.
 * - index_state(indexed_upto, generation) — one row (v3): chunks with id ≤ indexed_upto are in
 *   `postings`; newer chunks wait in memory (pending-postings.ts) and are indexed in large groups.
 *   `generation` counts purges, so other connections drop what they hold in memory.
 * - dependency_summaries(first_chunk, last_chunk, tenant, start_min, start_max, summary) — per write
 *   batch (v4): chunks first_chunk … last_chunk (row ids), their span start range, and their
 *   dependency facts (dependency-summary.ts).
 */
import type Database from 'better-sqlite3';

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tenants (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
  );
  INSERT INTO tenants (id, name) VALUES (0, '');
  CREATE TABLE operations (
    tenant  INTEGER NOT NULL,
    service TEXT NOT NULL,
    name    TEXT NOT NULL,
    kind    TEXT NOT NULL,
    PRIMARY KEY (tenant, service, name, kind)
  ) WITHOUT ROWID;
  CREATE TABLE chunks (
    id         INTEGER PRIMARY KEY,
    tenant     INTEGER NOT NULL,
    trace_id   BLOB NOT NULL,
    start_min  INTEGER NOT NULL,
    start_max  INTEGER NOT NULL,
    span_count INTEGER NOT NULL,
    body       TEXT NOT NULL
  );
  CREATE INDEX chunks_by_trace ON chunks (trace_id, tenant);
  CREATE INDEX chunks_by_time ON chunks (tenant, start_max);
  CREATE TABLE postings (
    id        INTEGER PRIMARY KEY,
    hash      INTEGER NOT NULL,
    start_min INTEGER NOT NULL,
    start_max INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    entries   BLOB NOT NULL
  );
  CREATE INDEX postings_by_key ON postings (hash, start_max, start_min, n);
  CREATE TABLE archive_chunks (
    id       INTEGER PRIMARY KEY,
    tenant   INTEGER NOT NULL,
    trace_id BLOB NOT NULL,
    body     TEXT NOT NULL
  );
  CREATE INDEX archive_chunks_by_trace ON archive_chunks (trace_id, tenant);
  `,
  // v2: chunks.shared = 1 when the trace id has more than one chunk (several batches, or more than
  // MAX_CHUNK_SPANS spans), so time-window scans can yield single-chunk traces without a lookup.
  `
  ALTER TABLE chunks ADD COLUMN shared INTEGER NOT NULL DEFAULT 0;
  UPDATE chunks SET shared = 1 WHERE EXISTS (
    SELECT 1 FROM chunks AS other WHERE other.trace_id = chunks.trace_id AND other.tenant = chunks.tenant AND other.id <> chunks.id
  );
  `,
  // v3: postings are written in large groups behind a mark; every existing chunk is indexed.
  `
  CREATE TABLE index_state (
    id           INTEGER PRIMARY KEY CHECK (id = 0),
    indexed_upto INTEGER NOT NULL,
    generation   INTEGER NOT NULL
  );
  INSERT INTO index_state (id, indexed_upto, generation) VALUES (0, (SELECT coalesce(max(id), 0) FROM chunks), 0);
  `,
  // v4: per write batch, the dependency facts of its chunks (dependency-summary.ts), so dependency
  // analysis reads a few bytes per span in time order instead of decoding bodies; chunks written
  // before v4 have none (readers decode their bodies). A partial index finds the shared chunks of
  // a batch without reading chunk rows.
  `
  CREATE TABLE dependency_summaries (
    first_chunk INTEGER PRIMARY KEY,
    last_chunk  INTEGER NOT NULL,
    tenant      INTEGER NOT NULL,
    start_min   INTEGER NOT NULL,
    start_max   INTEGER NOT NULL,
    summary     BLOB NOT NULL
  );
  CREATE INDEX dependency_summaries_by_time ON dependency_summaries (tenant, start_max);
  CREATE INDEX chunks_shared ON chunks (id) WHERE shared = 1;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies the missing migrations; returns the versions applied (empty when up to date).
 * Throws Error with a plain message when the file is newer than this program.
 */
export function migrate(db: Database.Database): number[] {
  const applied: number[] = [];
  db.transaction(() => {
    const current = schemaVersion(db);
    if (current > SCHEMA_VERSION) {
      throw new Error(`schema version ${current} is newer than this jaeger-sls supports (${SCHEMA_VERSION})`);
    }
    for (let v = current + 1; v <= SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v - 1]);
      applied.push(v);
    }
    if (applied.length) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
  return applied;
}
