import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isGzip, maybeGunzip } from '../../../src/formats/gzip.js';
import { readAllSpans } from '../../../src/formats/trace-file-reader.js';
import { InputFormatError } from '../../../src/model/index.js';

async function collect(chunks: Array<Uint8Array | string>): Promise<string> {
  async function* source() {
    yield* chunks;
  }
  const out: Buffer[] = [];
  for await (const c of maybeGunzip('t.json', source())) out.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c));
  return Buffer.concat(out).toString('utf8');
}

const TRACE = JSON.stringify({
  data: [
    {
      traceID: 'a1',
      spans: [{ traceID: 'a1', spanID: 'b1', operationName: 'GET /', references: [], startTime: 1_700_000_000_000_000, duration: 1200, tags: [], processID: 'p1' }],
      processes: { p1: { serviceName: 'web', tags: [] } },
    },
  ],
});

describe('gzip', () => {
  it('recognises the magic bytes only', () => {
    expect(isGzip(gzipSync('x'))).toBe(true);
    expect(isGzip(Buffer.from('{"data":[]}'))).toBe(false);
    expect(isGzip(Buffer.from([0x1f]))).toBe(false);
  });

  it('decompresses gzip however the bytes are split, and passes plain bytes and strings through', async () => {
    const z = gzipSync(TRACE);
    expect(await collect([z])).toBe(TRACE);
    // The magic split across chunks, and an empty chunk first.
    expect(await collect([new Uint8Array(0), z.subarray(0, 1), z.subarray(1, 7), z.subarray(7)])).toBe(TRACE);
    expect(await collect([Buffer.from(TRACE.slice(0, 1)), Buffer.from(TRACE.slice(1))])).toBe(TRACE);
    expect(await collect([TRACE])).toBe(TRACE);
    expect(await collect([Buffer.from('{')])).toBe('{');
    expect(await collect([])).toBe('');
  });

  it('reads concatenated gzip members as one stream', async () => {
    expect(await collect([Buffer.concat([gzipSync('{"data":'), gzipSync('[]}')])])).toBe('{"data":[]}');
  });

  it('reports a truncated gzip stream as bad input naming the file', async () => {
    const z = gzipSync(TRACE);
    await expect(collect([z.subarray(0, z.length - 12)])).rejects.toThrow(InputFormatError);
    await expect(collect([z.subarray(0, z.length - 12)])).rejects.toThrow(/t\.json: not a readable gzip stream/);
  });

  it('lets the trace file reader read gzip-compressed Jaeger JSON', async () => {
    async function* bytes() {
      yield gzipSync(TRACE);
    }
    const spans = await readAllSpans('t.json.gz', bytes());
    expect(spans.map((s) => [s.process.serviceName, s.operationName, s.duration])).toEqual([['web', 'GET /', 1200]]);
  });
});
