/** The CLI's pure input rules: stdin lines to records, token permissions from text, exit codes from API errors. */
import { errorFromResponse, ERROR_CODES, STATUS_BY_CODE, TributaryConnectionError } from '../../packages/client/src';
import { EXIT, exitCodeFor } from '../../packages/client/src/cli/exit-codes';
import { recordFromLine } from '../../packages/client/src/cli/line-records';
import { formatPermissions, parsePermission } from '../../packages/client/src/cli/permissions';

describe('recordFromLine', () => {
  test.each([
    ['{"a":1}', { a: 1 }],
    ['[1,"x"]', [1, 'x']],
    ['42', 42],
    ['true', true],
    ['null', null],
    ['"quoted"', 'quoted'],
    ['hello world', 'hello world'],
    ['{not json', '{not json'],
    ['  spaced  ', '  spaced  '],
    ['windows\r', 'windows'],
  ])('%j becomes the value %j', (line, value) => {
    expect(recordFromLine(line)).toEqual({ value });
  });

  test('empty lines are skipped', () => {
    expect(recordFromLine('')).toBeUndefined();
    expect(recordFromLine('\r')).toBeUndefined();
  });

  test('key, partition and headers apply to every record', () => {
    expect(recordFromLine('x', { key: 'k', partition: 2, headers: { source: 'cli' } })).toEqual({
      value: 'x',
      key: 'k',
      partition: 2,
      headers: { source: 'cli' },
    });
    expect(recordFromLine('x', { headers: {} })).toEqual({ value: 'x' });
  });
});

describe('parsePermission', () => {
  test('TOPICS=ACTIONS', () => {
    expect(parsePermission('orders*=produce,consume')).toEqual({ topics: 'orders*', actions: ['produce', 'consume'] });
    expect(parsePermission('*=admin')).toEqual({ topics: '*', actions: ['admin'] });
    expect(parsePermission('a=consume,consume')).toEqual({ topics: 'a', actions: ['consume'] });
  });

  test.each(['orders', '=produce', 'orders=', 'orders=read'])('refuses %j with a sentence', (text) => {
    expect(() => parsePermission(text)).toThrow(/expected|unknown action/);
  });

  test('formats back to the same text', () => {
    expect(formatPermissions([parsePermission('x*=produce,admin'), parsePermission('y=consume')])).toBe('x*=produce,admin y=consume');
  });
});

describe('exit codes', () => {
  test('404 codes exit 3, 401/403 exit 4, other API errors and connection failures 1', () => {
    for (const code of ERROR_CODES) {
      const status = STATUS_BY_CODE[code];
      const expected = status === 404 ? EXIT.NOT_FOUND : status === 401 || status === 403 ? EXIT.NOT_ALLOWED : EXIT.FAILURE;
      expect(exitCodeFor(errorFromResponse(status, { error: { code, message: 'm' } }))).toBe(expected);
    }
    expect(exitCodeFor(errorFromResponse(404, { error: { code: 'TOPIC_NOT_FOUND', message: 'm' } }))).toBe(3);
    expect(exitCodeFor(new TributaryConnectionError('refused'))).toBe(EXIT.FAILURE);
  });
});
