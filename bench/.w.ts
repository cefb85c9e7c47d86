import { mkdtempSync, rmSync } from 'node:fs'; import os from 'node:os'; import path from 'node:path';
import type { Span } from '../src/model/index.js';
import { openSqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { simpleTraces } from '../src/workload/simple-traces.js';
const batchSpans = Number(process.argv[2] ?? 10000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'w-'));
const store = await openSqliteStore(path.join(dir, 'x.db'));
let batch: Span[] = []; let cpu = 0; let wall = 0; let n = 0;
for (const t of simpleTraces({ seed: 1, traces: 20000, spansPerTrace: 20, services: 10, startTime: 1e15, intervalUs: 1000 })) { for (const s of t.spans) batch.push(s); if (batch.length >= batchSpans) { const c0 = process.cpuUsage(); const t0 = performance.now(); await store.writeSpans(batch); wall += performance.now() - t0; const c = process.cpuUsage(c0); cpu += c.user + c.system; n += batch.length; batch = []; } }
console.log(`batch ${batchSpans}: ${(cpu / n).toFixed(2)} µs/span cpu, ${(wall * 1000 / n).toFixed(2)} µs/span wall, load ${os.loadavg()[0]}`);
await store.close(); rmSync(dir, { recursive: true, force: true });
