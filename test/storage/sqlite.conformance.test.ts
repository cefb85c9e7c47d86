import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { describeStorageConformance } from './conformance.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'jaeger-sls-conformance-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeStorageConformance('sqlite', async () => openSqliteStore(path.join(dir, `store-${++n}.db`)));
