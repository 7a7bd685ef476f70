import { CorruptBatchError, decodeBatch, encodeBatch } from '../../lambdas/core/log/record-batch';
import type { LogRecord } from '../../lambdas/core/types';

const records: LogRecord[] = [
  { key: 'user-42', value: { json: '{"amount":12.5,"items":["a","b"]}' }, headers: { trace: 'abc' }, timestamp: 1_700_000_000_000 },
  { value: { binary: Uint8Array.from([0, 1, 2, 255]) }, headers: {}, timestamp: 1_699_999_999_000 },
  { key: '', value: { json: 'null' }, headers: { __proto__: 'x', 'ü': '✓' } as Record<string, string>, timestamp: 0 },
];

describe('record batch codec', () => {
  it('round-trips keys, JSON and binary values, headers and timestamps in order', () => {
    const decoded = decodeBatch(encodeBatch(records));
    expect(decoded).toHaveLength(3);
    expect(decoded[0]).toMatchObject({ key: 'user-42', value: { json: records[0]!.value && (records[0]!.value as { json: string }).json }, timestamp: 1_700_000_000_000 });
    expect(decoded[0]!.headers).toEqual({ trace: 'abc' });
    expect(decoded[1]!.key).toBeUndefined();
    expect(Buffer.from((decoded[1]!.value as { binary: Uint8Array }).binary)).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(decoded[1]!.timestamp).toBe(1_699_999_999_000);
    expect(decoded[2]!.key).toBe('');
    expect(decoded[2]!.timestamp).toBe(0);
  });

  it('keeps a header named __proto__ as plain data', () => {
    const withProto: LogRecord = {
      value: { json: '1' },
      headers: Object.fromEntries([['__proto__', 'polluted?']]),
      timestamp: 1,
    };
    const [decoded] = decodeBatch(encodeBatch([withProto]));
    expect(Object.getOwnPropertyDescriptor(decoded!.headers, '__proto__')?.value).toBe('polluted?');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('compresses repetitive JSON several times over', () => {
    const many: LogRecord[] = Array.from({ length: 100 }, (_, i) => ({
      key: `customer-${i % 10}`,
      value: { json: JSON.stringify({ orderId: `order-${i}`, status: 'CREATED', items: [{ sku: 'SKU-1', qty: 1 }], note: 'deliver to the back door' }) },
      headers: { source: 'checkout' },
      timestamp: 1_700_000_000_000 + i,
    }));
    const raw = many.reduce((n, r) => n + ('json' in r.value ? r.value.json.length : 0), 0);
    expect(encodeBatch(many).length).toBeLessThan(raw / 4);
  });

  it('stores incompressible data without growing it by more than a few bytes', () => {
    const noise = Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24);
    const blob = encodeBatch([{ value: { binary: noise }, headers: {}, timestamp: 5 }]);
    expect(blob.length).toBeLessThan(4096 + 32);
  });

  it('rejects an empty batch and corrupt input', () => {
    expect(() => encodeBatch([])).toThrow(RangeError);
    expect(() => decodeBatch(Uint8Array.from([9, 1, 2]))).toThrow(CorruptBatchError);
    expect(() => decodeBatch(Uint8Array.from([0, 1, 5]))).toThrow(CorruptBatchError);
  });
});
