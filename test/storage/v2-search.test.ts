import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '../../src/storage/open-store.js';
import { describeV2AttributeSearch } from './v2-search-conformance.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'jaeger-sls-v2search-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeV2AttributeSearch('memory', () => openStore('memory:'));
describeV2AttributeSearch('sqlite', () => openStore(`sqlite:${path.join(dir, 'v2.db')}`));
