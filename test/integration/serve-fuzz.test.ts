/**
 * Fuzzing every RPC of `jaeger-sls serve` (spawned from bin/) with a raw grpc-js client that sends
 * bytes as they are: random bytes, and well-formed but hostile messages (huge strings, wrong id
 * lengths, thousands of references, negative durations, invalid UTF-8, unknown enum values).
 * Every call must succeed or be refused with a client-error status — never INTERNAL/UNKNOWN — and
 * the server must stay up and healthy.
 */
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../../src/model/index.js';
import { spanToProto } from '../../src/formats/proto-mapping.js';
import { packageDefinition } from '../../src/storage/grpc/protos.js';
import { healthStatus, startServe, type ServeProcess } from '../support/serve-harness.js';

interface Rpc {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  serialize(value: object): Buffer;
}

/** Every method of every served service except Health/Watch (an endless stream by design). */
function allRpcs(): Rpc[] {
  const out: Rpc[] = [];
  for (const [name, def] of Object.entries(packageDefinition())) {
    if ('format' in def) continue;
    for (const m of Object.values(def as grpc.ServiceDefinition)) {
      if (m.path === '/grpc.health.v1.Health/Watch' || name === 'plugin.GRPCController') continue;
      out.push({ path: m.path, requestStream: m.requestStream, responseStream: m.responseStream, serialize: m.requestSerialize as (v: object) => Buffer });
    }
  }
  return out;
}

/** Statuses a correct server may answer hostile input with. */
const ACCEPTABLE = new Set([grpc.status.OK, grpc.status.INVALID_ARGUMENT, grpc.status.NOT_FOUND, grpc.status.UNIMPLEMENTED]);
const identity = (b: Buffer) => b;

let server: ServeProcess;
let client: grpc.Client;

beforeAll(async () => {
  server = await startServe(['--listen', '127.0.0.1:0', '--store', 'memory:', '--max-message-size', '8MiB']);
  client = new grpc.Client(server.address, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 << 20 });
});
afterAll(async () => {
  client?.close();
  expect(await server?.stop()).toBe(0);
});

/** Sends raw request bytes and resolves with the final status code. */
function call(rpc: Rpc, messages: Buffer[]): Promise<grpc.status> {
  const deadline = Date.now() + 10_000;
  return new Promise((resolve) => {
    const done = (err: grpc.ServiceError | null) => resolve(err ? err.code : grpc.status.OK);
    if (!rpc.requestStream && !rpc.responseStream) {
      client.makeUnaryRequest(rpc.path, identity, identity, messages[0], new grpc.Metadata(), { deadline }, done);
    } else if (!rpc.requestStream) {
      const stream = client.makeServerStreamRequest(rpc.path, identity, identity, messages[0], new grpc.Metadata(), { deadline });
      stream.on('data', () => {});
      stream.on('error', () => {});
      stream.on('status', (s: grpc.StatusObject) => resolve(s.code));
    } else {
      const stream = client.makeClientStreamRequest(rpc.path, identity, identity, new grpc.Metadata(), { deadline }, done);
      for (const m of messages) stream.write(m);
      stream.end();
    }
  });
}

const now = Date.now() * 1000;
const baseSpan: Span = {
  traceId: '0000000000000000000000000000beef',
  spanId: '0000000000000001',
  operationName: 'op',
  references: [],
  flags: 0,
  startTime: now,
  duration: 1,
  tags: [],
  logs: [],
  process: { serviceName: 'fuzz', tags: [] },
  warnings: [],
};

/** Length-delimited field `n` with raw bytes (for strings that are not valid UTF-8). */
function rawField(n: number, bytes: Buffer): Buffer {
  const len: number[] = [];
  let v = bytes.length;
  do {
    len.push((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>>= 7;
  } while (v > 0);
  return Buffer.concat([Buffer.from([(n << 3) | 2, ...len]), bytes]);
}

function hostileWriteRequests(): [string, Buffer][] {
  const rpcs = allRpcs();
  const write = rpcs.find((r) => r.path === '/jaeger.storage.v1.SpanWriterPlugin/WriteSpan')!;
  const proto = spanToProto(baseSpan);
  const huge = 'h'.repeat(2_000_000);
  const cases: [string, object][] = [
    ['huge operation name', { span: { ...proto, operationName: huge } }],
    ['huge tag', { span: { ...proto, tags: [{ key: 'k', vType: 0, vStr: huge }] } }],
    ['trace id of 15 bytes', { span: { ...proto, traceId: Buffer.alloc(15, 1) } }],
    ['empty span id', { span: { ...proto, spanId: Buffer.alloc(0) } }],
    ['reference with 3-byte ids', { span: { ...proto, references: [{ traceId: Buffer.alloc(3), spanId: Buffer.alloc(3), refType: 0 }] } }],
    ['20000 references', { span: { ...proto, references: Array.from({ length: 20_000 }, () => ({ traceId: proto.traceId, spanId: proto.spanId, refType: 0 })) } }],
    ['unknown ref type', { span: { ...proto, references: [{ traceId: proto.traceId, spanId: proto.spanId, refType: 7 }] } }],
    ['negative duration', { span: { ...proto, duration: { seconds: '-1', nanos: 0 } } }],
    ['negative nanos', { span: { ...proto, duration: { seconds: '0', nanos: -5000 } } }],
    ['start time beyond int64 µs', { span: { ...proto, startTime: { seconds: '9223372036854775807', nanos: 999999999 } } }],
    ['int64 extremes', { span: { ...proto, tags: [{ key: 'i', vType: 2, vInt64: '-9223372036854775808' }] } }],
    ['unknown value type', { span: { ...proto, tags: [{ key: 'k', vType: 99 }] } }],
    ['null process', { span: { ...proto, process: null } }],
  ];
  const out: [string, Buffer][] = cases.map(([name, req]) => [name, write.serialize(req)]);
  // Invalid UTF-8 in operation_name (Span field 3), appended after a valid span so it overrides.
  const spanBytes = write.serialize({ span: proto }).subarray(2 + (write.serialize({ span: proto })[1] > 127 ? 1 : 0));
  const badUtf8 = Buffer.concat([spanBytes, rawField(3, Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]))]);
  out.push(['invalid UTF-8 operation name', rawField(1, badUtf8)]);
  return out;
}

describe('fuzzing every RPC', () => {
  const rpcs = allRpcs();

  it('covers the v1, v2, OTLP and health services', () => {
    const services = new Set(rpcs.map((r) => r.path.split('/')[1]));
    for (const s of ['jaeger.storage.v1.SpanReaderPlugin', 'jaeger.storage.v1.StreamingSpanWriterPlugin', 'jaeger.storage.v2.TraceReader', 'opentelemetry.proto.collector.trace.v1.TraceService', 'grpc.health.v1.Health']) {
      expect(services).toContain(s);
    }
  });

  it('answers random bytes on every RPC with success or a client error', async () => {
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...rpcs), fc.array(fc.uint8Array({ maxLength: 512 }), { minLength: 1, maxLength: 3 }), async (rpc, chunks) => {
        const code = await call(rpc, chunks.map((c) => Buffer.from(c)));
        if (!ACCEPTABLE.has(code)) failures.push(`${rpc.path}: ${grpc.status[code]} for ${Buffer.from(chunks[0]).toString('hex').slice(0, 80)}`);
        return ACCEPTABLE.has(code);
      }),
      { numRuns: 600 },
    );
    expect(failures).toEqual([]);
  });

  it('refuses hostile but well-formed spans with INVALID_ARGUMENT (or stores them), on unary and stream writes', async () => {
    const write = rpcs.find((r) => r.path === '/jaeger.storage.v1.SpanWriterPlugin/WriteSpan')!;
    const stream = rpcs.find((r) => r.path === '/jaeger.storage.v1.StreamingSpanWriterPlugin/WriteSpanStream')!;
    const outcomes: Record<string, string> = {};
    for (const [name, bytes] of hostileWriteRequests()) {
      const unaryCode = await call(write, [bytes]);
      const streamCode = await call(stream, [bytes, bytes]);
      outcomes[name] = `${grpc.status[unaryCode]}/${grpc.status[streamCode]}`;
    }
    for (const [name, outcome] of Object.entries(outcomes)) expect(outcome, name).toMatch(/^(OK|INVALID_ARGUMENT)\/(OK|INVALID_ARGUMENT)$/);
    expect(outcomes['trace id of 15 bytes']).toBe('INVALID_ARGUMENT/INVALID_ARGUMENT');
    expect(outcomes['20000 references']).toBe('INVALID_ARGUMENT/INVALID_ARGUMENT');
    expect(outcomes['negative duration']).toBe('INVALID_ARGUMENT/INVALID_ARGUMENT');
    expect(outcomes['huge operation name']).toBe('INVALID_ARGUMENT/INVALID_ARGUMENT');
    expect(outcomes['invalid UTF-8 operation name']).toBe('OK/OK');
  });

  it('refuses hostile queries (negative durations, wrong id lengths, inverted bounds) with INVALID_ARGUMENT', async () => {
    const find = rpcs.find((r) => r.path === '/jaeger.storage.v1.SpanReaderPlugin/FindTraces')!;
    const findV2 = rpcs.find((r) => r.path === '/jaeger.storage.v2.TraceReader/FindTraces')!;
    const getV2 = rpcs.find((r) => r.path === '/jaeger.storage.v2.TraceReader/GetTraces')!;
    const deps = rpcs.find((r) => r.path === '/jaeger.storage.v1.DependenciesReaderPlugin/GetDependencies')!;
    const neg = { seconds: '-3', nanos: 0 };
    expect(await call(find, [find.serialize({ query: { serviceName: 's', durationMin: neg } })])).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await call(find, [find.serialize({ query: { serviceName: 's', numTraces: -1 } })])).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await call(findV2, [findV2.serialize({ query: { durationMin: { seconds: '5', nanos: 0 }, durationMax: { seconds: '1', nanos: 0 } } })])).toBe(grpc.status.INVALID_ARGUMENT);
    // Array values are searchable, compared as OpenTelemetry's AsString (JSON), as Jaeger v2 does.
    expect(await call(findV2, [findV2.serialize({ query: { attributes: [{ key: 'a', value: { arrayValue: { values: [] } } }], searchDepth: 1 } })])).toBe(grpc.status.OK);
    expect(await call(getV2, [getV2.serialize({ query: [{ traceId: Buffer.alloc(17) }] })])).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await call(deps, [deps.serialize({ startTime: { seconds: '100', nanos: 0 }, endTime: { seconds: '1', nanos: 0 } })])).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('is still alive, healthy and logged no internal errors', async () => {
    expect(server.child.exitCode).toBeNull();
    expect(await healthStatus(server.address, '')).toBe(1);
    const internal = server.logs().filter((l) => l['@level'] === 'error');
    expect(internal).toEqual([]);
  });
});
