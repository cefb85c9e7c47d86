import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { configureWriter } from '../../src/storage/sqlite/chunk-writes.js';
import { WalCheckpointer } from '../../src/storage/sqlite/wal-checkpointer.js';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'jaeger-sls-wal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WAL checkpointer', () => {
  it('copies committed pages into the database file on its worker, beside further commits', async () => {
    const file = path.join(dir, 'a.db');
    const db = new Database(file);
    configureWriter(db, 'normal');
    const checkpointer = new WalCheckpointer(db, file, 'NORMAL', 100_000, 1000);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    db.exec('CREATE TABLE t (v TEXT)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const row = 'x'.repeat(10_000);
    for (let i = 0; i < 20; i++) {
      insert.run(row);
      checkpointer.committed(row.length);
    }
    await checkpointer.whenIdle();
    // The rows reached the main file, not only the WAL.
    expect(statSync(file).size).toBeGreaterThan(100_000);
    insert.run(row);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(21);
    await checkpointer.close();
    db.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('falls back to SQLite automatic checkpoints when the worker cannot open the file', async () => {
    const file = path.join(dir, 'b.db');
    const db = new Database(file);
    configureWriter(db, 'normal');
    const checkpointer = new WalCheckpointer(db, path.join(dir, 'missing', 'b.db'), 'NORMAL', 1, 1234);
    checkpointer.committed(10);
    await new Promise<void>((resolve) => {
      const poll = () => (db.pragma('wal_autocheckpoint', { simple: true }) === 1234 ? resolve() : setImmediate(poll));
      poll();
    });
    await checkpointer.close();
    db.close();
  });

  it('lets a store close while its checkpoint runs, every span kept', async () => {
    const file = path.join(dir, 'c.db');
    const store = await openSqliteStore(file, { checkpointAfterBytes: 1_000_000 });
    const spans = Array.from({ length: 3000 }, (_, i) => ({
      traceId: (i % 30).toString(16).padStart(32, '0'),
      spanId: (i + 1).toString(16).padStart(16, '0'),
      operationName: 'op',
      references: [],
      flags: 1,
      startTime: 1_700_000_000_000_000 + i,
      duration: 5,
      tags: [{ key: 'payload', type: 'string' as const, value: 'y'.repeat(2_000) }],
      logs: [],
      process: { serviceName: 'svc', tags: [] },
      warnings: [],
    }));
    for (let i = 0; i < spans.length; i += 500) await store.writeSpans(spans.slice(i, i + 500));
    await store.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    const reopened = await openSqliteStore(file, { readOnly: true });
    let count = 0;
    for await (const trace of reopened.findTraces({ startTimeMin: 0, startTimeMax: Number.MAX_SAFE_INTEGER })) count += trace.spans.length;
    expect(count).toBe(3000);
    await reopened.close();
  });

  it('keeps a process alive until its store closed, the worker included', () => {
    const file = path.join(dir, 'd.db');
    const script = `
      const { openSqliteStore } = await import(${JSON.stringify(pathToFileURL(path.resolve('dist/storage/sqlite/sqlite-store.js')).href)});
      const store = await openSqliteStore(${JSON.stringify(file)}, { checkpointAfterBytes: 10_000 });
      for (let i = 0; i < 20; i++) {
        await store.writeSpans([{ traceId: '1'.repeat(32), spanId: (i + 1).toString(16).padStart(16, '0'), operationName: 'op', references: [], flags: 1,
          startTime: 1_700_000_000_000_000 + i, duration: 1, tags: [{ key: 'k', type: 'string', value: 'v'.repeat(5_000) }], logs: [],
          process: { serviceName: 'svc', tags: [] }, warnings: [] }]);
      }
      await store.close();
      console.log('closed');
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('closed');
    expect(child.status).toBe(0);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });
});
