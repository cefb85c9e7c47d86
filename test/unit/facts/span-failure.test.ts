import { describe, expect, it } from 'vitest';
import type { KeyValue } from '../../../src/model/index.js';
import { FAILURE_TAG_KEYS, tagMarksFailure } from '../../../src/facts/span-failure.js';

const str = (key: string, value: string): KeyValue => ({ key, type: 'string', value });
const int = (key: string, value: number): KeyValue => ({ key, type: 'int64', value: BigInt(value) });

describe('span failure', () => {
  it('reads each failure signal, and nothing else', () => {
    const failed: KeyValue[] = [
      { key: 'error', type: 'bool', value: true },
      str('error', 'TRUE'),
      str('otel.status_code', 'ERROR'),
      str('otel.status_code', 'error'),
      int('http.status_code', 500),
      str('http.response.status_code', '503'),
      { key: 'http.status_code', type: 'float64', value: 599 },
      int('rpc.grpc.status_code', 14),
      str('grpc.status_code', '2'),
    ];
    const fine: KeyValue[] = [
      { key: 'error', type: 'bool', value: false },
      str('error', 'no'),
      str('otel.status_code', 'OK'),
      int('http.status_code', 499),
      str('http.status_code', 'n/a'),
      int('rpc.grpc.status_code', 0),
      str('grpc.status_code', 'n/a'),
      int('status', 500),
      { key: 'error.message', type: 'string', value: 'true' },
    ];
    expect(failed.map(tagMarksFailure)).toEqual(failed.map(() => true));
    expect(fine.map(tagMarksFailure)).toEqual(fine.map(() => false));
    for (const t of failed) expect(FAILURE_TAG_KEYS.has(t.key)).toBe(true);
  });
});
