/**
 * Jaeger v2's attribute search (internal/storage/v2/memory/tenant.go validSpan, findKeyValInTrace)
 * against a Store: special keys `error`, `span.status`, `span.kind`, `scope.name`, `scope.version`,
 * `resource.` prefix; other keys among span, scope, resource, event and link attributes, the first
 * attribute of a key deciding; values compared as OpenTelemetry's AsString. Spans received as OTLP
 * and spans received in the Jaeger model (whose OTLP form is derived) are both searched.
 *
 * Usage, in a `*.test.ts` file: describeV2AttributeSearch('sqlite', async () => openMyStore()).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spansFromOtlp } from '../../src/formats/otlp.js';
import type { OtlpKeyValue } from '../../src/formats/otlp.js';
import type { Attribute, Span, TraceQuery } from '../../src/model/index.js';
import type { Store } from '../../src/storage/types.js';

const HOUR_US = 3_600_000_000;

export function describeV2AttributeSearch(name: string, createStore: () => Promise<Store>): void {
  describe(`v2 attribute search (${name})`, () => {
    const nowUs = Date.now() * 1000;
    const startNs = BigInt(nowUs - HOUR_US / 2) * 1000n;
    let store: Store;

    const otlpSpan = (traceHex: string, service: string, scope: { name: string; version: string; attributes: OtlpKeyValue[] }, span: Record<string, unknown>, resourceAttributes: OtlpKeyValue[] = []): Span[] =>
      spansFromOtlp([
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }, ...resourceAttributes] },
          scopeSpans: [
            {
              scope,
              spans: [
                {
                  traceId: Buffer.from(traceHex, 'hex'),
                  spanId: Buffer.from('00000000000000a1', 'hex'),
                  name: 'op',
                  startTimeUnixNano: String(startNs),
                  endTimeUnixNano: String(startNs + 5_000_000n),
                  ...span,
                },
              ],
            },
          ],
        },
      ]);

    beforeAll(async () => {
      store = await createStore();
      const a = otlpSpan(
        'a2000000000000000000000000000001',
        'v2-a',
        { name: 'lib-a', version: '1.2', attributes: [{ key: 'scope.attr', value: { stringValue: 'sa' } }] },
        {
          kind: 2,
          status: { code: 2, message: 'boom' },
          attributes: [
            { key: 'http.code', value: { intValue: '500' } },
            { key: 'ratio', value: { doubleValue: 1e21 } },
            { key: 'blob', value: { bytesValue: Buffer.from([0, 1, 2]) } },
            { key: 'list', value: { arrayValue: { values: [{ intValue: '1' }, { stringValue: 'x' }] } } },
          ],
          events: [{ timeUnixNano: String(startNs + 1000n), name: 'ev', attributes: [{ key: 'ev.attr', value: { boolValue: true } }] }],
          links: [{ traceId: Buffer.from('ff'.repeat(16), 'hex'), spanId: Buffer.from('ff'.repeat(8), 'hex'), attributes: [{ key: 'link.attr', value: { stringValue: 'la' } }] }],
        },
        [
          { key: 'host', value: { stringValue: 'h1' } },
          { key: 'region', value: { intValue: '7' } },
        ],
      );
      const b = otlpSpan('b2000000000000000000000000000001', 'v2-b', { name: '', version: '', attributes: [] }, {
        kind: 3,
        status: { code: 1 },
        attributes: [
          { key: 'http.code', value: { stringValue: '500' } },
          { key: 'dup', value: { stringValue: 'first' } },
          { key: 'dup', value: { stringValue: 'second' } },
        ],
      });
      const c: Span = {
        traceId: 'c2000000000000000000000000000001',
        spanId: '00000000000000c1',
        operationName: 'op',
        references: [],
        flags: 0,
        startTime: nowUs - HOUR_US / 2,
        duration: 10,
        tags: [
          { key: 'error', type: 'bool', value: true },
          { key: 'span.kind', type: 'string', value: 'client' },
          { key: 'otel.scope.name', type: 'string', value: 'lib-c' },
          { key: 'v1.tag', type: 'float64', value: 0.00001 },
        ],
        logs: [],
        process: { serviceName: 'v2-c', tags: [] },
        warnings: [],
      };
      await store.writeSpans([...a, ...b, c]);
    });
    afterAll(async () => {
      await store?.close();
    });

    const find = async (attributes: Attribute[], extra: TraceQuery = {}): Promise<string[]> => {
      const services = new Set<string>();
      for await (const t of store.findTraces({ attributes, startTimeMin: nowUs - HOUR_US, startTimeMax: nowUs, limit: 10, ...extra })) {
        for (const s of t.spans) services.add(s.process.serviceName);
      }
      const ids = await store.findTraceIds({ attributes, startTimeMin: nowUs - HOUR_US, startTimeMax: nowUs, limit: 10, ...extra });
      expect(ids.length, 'FindTraceIDs finds what FindTraces finds').toBe(services.size);
      return [...services].sort();
    };
    const str = (key: string, value: string): Attribute => ({ key, type: 'string', value });

    const cases: [string, Attribute[], string[]][] = [
      ['error=true (bool): status ERROR, or the error tag', [{ key: 'error', type: 'bool', value: true }], ['v2-a', 'v2-c']],
      ['error="true" (Go ParseBool)', [str('error', 'T')], ['v2-a', 'v2-c']],
      ['error=false: status OK only', [{ key: 'error', type: 'bool', value: false }], ['v2-b']],
      ['error with a value ParseBool refuses matches nothing', [str('error', 'maybe')], []],
      ['span.status, any case', [str('span.status', 'ok')], ['v2-b']],
      ['span.status=ERROR', [str('span.status', 'ERROR')], ['v2-a', 'v2-c']],
      ['span.kind=server', [str('span.kind', 'server')], ['v2-a']],
      ['span.kind=CLIENT', [str('span.kind', 'CLIENT')], ['v2-b', 'v2-c']],
      ['scope.name', [str('scope.name', 'lib-a')], ['v2-a']],
      ['scope.name of a span received in the Jaeger model', [str('scope.name', 'lib-c')], ['v2-c']],
      ['scope.version', [str('scope.version', '1.2')], ['v2-a']],
      ['resource.host', [str('resource.host', 'h1')], ['v2-a']],
      ['resource.region as int', [{ key: 'resource.region', type: 'int64', value: 7n }], ['v2-a']],
      ['resource.region as its AsString text', [str('resource.region', '7')], ['v2-a']],
      ['resource.service.name', [str('resource.service.name', 'v2-b')], ['v2-b']],
      ['a resource attribute without the prefix', [str('host', 'h1')], ['v2-a']],
      ['int 500 matches int and string "500" (AsString)', [{ key: 'http.code', type: 'int64', value: 500n }], ['v2-a', 'v2-b']],
      ['double 1e21 (AsString has no exponent)', [{ key: 'ratio', type: 'float64', value: 1e21 }], ['v2-a']],
      ['double as text', [str('ratio', '1000000000000000000000')], ['v2-a']],
      ['a Jaeger float tag by its AsString text', [str('v1.tag', '0.00001')], ['v2-c']],
      ['bytes', [{ key: 'blob', type: 'binary', value: new Uint8Array([0, 1, 2]) }], ['v2-a']],
      ['bytes as base64 text', [str('blob', 'AAEC')], ['v2-a']],
      ['an array', [{ key: 'list', type: 'array', value: [{ type: 'int64', value: 1n }, { type: 'string', value: 'x' }] }], ['v2-a']],
      ['an array as JSON text', [str('list', '[1,"x"]')], ['v2-a']],
      ['an event attribute', [{ key: 'ev.attr', type: 'bool', value: true }], ['v2-a']],
      ['a link attribute', [str('link.attr', 'la')], ['v2-a']],
      ['a scope attribute', [str('scope.attr', 'sa')], ['v2-a']],
      ['the first attribute of a key decides', [str('dup', 'first')], ['v2-b']],
      ['a later attribute of the same key does not', [str('dup', 'second')], []],
      ['all entries on one span', [str('span.kind', 'server'), str('scope.name', 'lib-a'), str('link.attr', 'la'), str('resource.host', 'h1')], ['v2-a']],
      ['an entry failing on that span', [str('span.kind', 'client'), str('scope.name', 'lib-a')], []],
    ];
    for (const [title, attributes, expected] of cases) {
      it(title, async () => {
        expect(await find(attributes)).toEqual(expected);
      });
    }
    it('without a limit or a service name, only the matches', async () => {
      expect(await find([str('span.kind', 'server')], { limit: undefined })).toEqual(['v2-a']);
    });
    it('with a service name', async () => {
      expect(await find([str('span.kind', 'CLIENT')], { serviceName: 'v2-c' })).toEqual(['v2-c']);
    });
  });
}
