/** The web console's formatting and search, as pure functions (console/src/format.ts). */
import { formatBytes, formatDuration, hexDump, recordMatches, valuePreview, valueText } from '../../console/src/format';

const record = (extra: Record<string, unknown> = {}) => ({
  partition: 0,
  offset: 7,
  key: 'order-42',
  headers: { region: 'eu', source: 'web' },
  timestamp: 0,
  value: { customer: 'Ada', items: [{ note: 'Gift wrapped' }] },
  ...extra,
});

describe('console formatting', () => {
  it('writes durations in the largest whole unit, and -1 as unlimited', () => {
    expect(formatDuration(604_800_000)).toBe('7 d');
    expect(formatDuration(3_600_000)).toBe('1 h');
    expect(formatDuration(90_000)).toBe('90 s');
    expect(formatDuration(1500)).toBe('1500 ms');
    expect(formatDuration(-1)).toBe('unlimited');
    expect(formatBytes(-1)).toBe('unlimited');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });

  it('dumps bytes as hex with offsets and printable ASCII, and says how many more it left out', () => {
    const dump = hexDump(new Uint8Array([0, 1, 0x41, 0x42, 0xff]));
    expect(dump).toBe(`00000000  00 01 41 42 ff${' '.repeat(47 - 14)}  ..AB.`);
    const long = hexDump(new Uint8Array(40), 32);
    expect(long.split('\n')).toHaveLength(3);
    expect(long).toContain('… 8 more bytes');
  });

  it('pretty-prints JSON values and shows binary ones as hex', () => {
    expect(valueText(record()).text).toBe(JSON.stringify(record().value, null, 2));
    expect(valueText(record({ value: undefined, valueBase64: 'AAFi' })).kind).toBe('binary');
    expect(valuePreview(record({ value: undefined, valueBase64: 'AAFi' }))).toBe('binary, 3 bytes');
    expect(valuePreview(record({ value: 'x'.repeat(300) }), 20)).toHaveLength(20);
  });

  it('finds records by key, header (name, value or name=value) or value text, case-insensitively', () => {
    const r = record();
    expect(recordMatches(r, 'ORDER-4', 'key')).toBe(true);
    expect(recordMatches(r, 'region=eu', 'header')).toBe(true);
    expect(recordMatches(r, 'web', 'header')).toBe(true);
    expect(recordMatches(r, 'gift wrapped', 'value')).toBe(true);
    expect(recordMatches(r, 'gift', 'key')).toBe(false);
    expect(recordMatches(r, 'order', 'value')).toBe(false);
    expect(recordMatches(r, 'ada', 'any')).toBe(true);
    expect(recordMatches(r, '  ', 'any')).toBe(true);
    expect(recordMatches(record({ key: null }), 'order', 'key')).toBe(false);
    expect(recordMatches(record({ value: undefined, valueBase64: Buffer.from('needle in bytes').toString('base64') }), 'needle', 'value')).toBe(true);
  });
});
