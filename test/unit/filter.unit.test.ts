import { keyMatches, keyPatternProblem, matchesFilter } from '../../lambdas/core/filters/filter';
import { filterSchema } from '../../lambdas/http/filter-schemas';

describe('keyMatches (RabbitMQ topic exchange)', () => {
  // The examples of RabbitMQ's topic-exchange tutorial: bindings *.orange.*, *.*.rabbit and lazy.#.
  it.each([
    ['quick.orange.rabbit', ['*.orange.*', '*.*.rabbit']],
    ['lazy.orange.elephant', ['*.orange.*', 'lazy.#']],
    ['quick.orange.fox', ['*.orange.*']],
    ['lazy.brown.fox', ['lazy.#']],
    ['lazy.pink.rabbit', ['*.*.rabbit', 'lazy.#']],
    ['quick.brown.fox', []],
    ['orange', []],
    ['quick.orange.new.rabbit', []],
    ['lazy.orange.new.rabbit', ['lazy.#']],
  ])('routes %s to exactly the bindings %j', (key, expected) => {
    const bindings = ['*.orange.*', '*.*.rabbit', 'lazy.#'];
    expect(bindings.filter((pattern) => keyMatches(pattern, key))).toEqual(expected);
  });

  it('lets * stand for exactly one word, never zero or two', () => {
    expect(keyMatches('a.*.c', 'a.b.c')).toBe(true);
    expect(keyMatches('a.*.c', 'a.c')).toBe(false);
    expect(keyMatches('a.*.c', 'a.b.b.c')).toBe(false);
  });

  it('lets # stand for zero or more words, anywhere', () => {
    expect(keyMatches('a.#', 'a')).toBe(true);
    expect(keyMatches('a.#', 'a.b.c')).toBe(true);
    expect(keyMatches('#.c', 'c')).toBe(true);
    expect(keyMatches('a.#.c', 'a.c')).toBe(true);
    expect(keyMatches('a.#.c', 'a.x.y.c')).toBe(true);
    expect(keyMatches('a.#.c', 'a.x.y.d')).toBe(false);
    expect(keyMatches('#.#', 'x')).toBe(true);
  });

  it('matches every key, and a missing one, with a pattern of just #', () => {
    expect(keyMatches('#', 'anything.at.all')).toBe(true);
    expect(keyMatches('#', '')).toBe(true);
    expect(keyMatches('#', undefined)).toBe(true);
    expect(keyMatches('#', null)).toBe(true);
  });

  it('matches a record without a key only with #', () => {
    expect(keyMatches('*', undefined)).toBe(false);
    expect(keyMatches('a', undefined)).toBe(false);
  });

  it('treats empty words of a key as words', () => {
    // RabbitMQ splits "a..b" into three words, the middle one empty.
    expect(keyMatches('a.*.b', 'a..b')).toBe(true);
    expect(keyMatches('*', '')).toBe(true);
    expect(keyMatches('a.b', 'a..b')).toBe(false);
  });

  it('compares words exactly, case-sensitive', () => {
    expect(keyMatches('order.eu', 'Order.eu')).toBe(false);
  });

  it('stays fast on patterns that would backtrack exponentially', () => {
    const key = Array.from({ length: 60 }, () => 'a').join('.');
    expect(keyMatches('#.#.#.#.#.#.#.#.b', key)).toBe(false);
  });
});

describe('keyPatternProblem', () => {
  it.each(['', 'a..b', '.a', 'a.', 'ord*', '#a', '##', 'a.b*.c'])('refuses %j', (pattern) => {
    expect(keyPatternProblem(pattern)).toEqual(expect.any(String));
  });
  it.each(['#', '*', 'a.*.c', 'payment.#', 'order.*.eu', '*.#.*'])('accepts %j', (pattern) => {
    expect(keyPatternProblem(pattern)).toBeUndefined();
  });
});

describe('matchesFilter', () => {
  const record = { key: 'order.42.eu', headers: { region: 'eu', tier: 'gold' } };

  it('passes everything without a filter', () => {
    expect(matchesFilter(undefined, record)).toBe(true);
  });

  it('needs every listed header with match all, and one with match any', () => {
    expect(matchesFilter({ headers: { match: 'all', values: { region: 'eu', tier: 'silver' } } }, record)).toBe(false);
    expect(matchesFilter({ headers: { match: 'any', values: { region: 'eu', tier: 'silver' } } }, record)).toBe(true);
    expect(matchesFilter({ headers: { values: { region: 'eu', tier: 'gold' } } }, record)).toBe(true);
  });

  it('treats a null value as "present with any value"', () => {
    expect(matchesFilter({ headers: { values: { tier: null } } }, record)).toBe(true);
    expect(matchesFilter({ headers: { values: { missing: null } } }, record)).toBe(false);
  });

  it('compares header names and values case-sensitively', () => {
    expect(matchesFilter({ headers: { values: { Region: 'eu' } } }, record)).toBe(false);
    expect(matchesFilter({ headers: { values: { region: 'EU' } } }, record)).toBe(false);
  });

  it('needs both parts when both are given, and puts no condition for a missing part', () => {
    expect(matchesFilter({ keys: ['order.*.eu'], headers: { values: { region: 'us' } } }, record)).toBe(false);
    expect(matchesFilter({ keys: ['order.*.eu'], headers: { values: { region: 'eu' } } }, record)).toBe(true);
    expect(matchesFilter({ keys: ['order.*.eu'] }, { key: 'order.1.eu', headers: {} })).toBe(true);
    expect(matchesFilter({ headers: { values: { region: 'eu' } } }, { headers: { region: 'eu' } })).toBe(true);
  });

  it('does not read inherited properties as headers', () => {
    expect(matchesFilter({ headers: { values: { constructor: null } } }, { headers: {} })).toBe(false);
  });
});

describe('filterSchema', () => {
  it('accepts the example of API.md and defaults match to all', () => {
    const parsed = filterSchema.parse({ keys: ['order.*.eu', 'payment.#'], headers: { values: { region: 'eu', tier: null } } });
    expect(parsed.headers?.match).toBe('all');
  });

  it.each([
    [{ keys: ['ord*'] }, 'keys.0'],
    [{ keys: ['a..b'] }, 'keys.0'],
    [{ keys: [''] }, 'keys.0'],
    [{ keys: [7] }, 'keys.0'],
    [{ keys: 'a.b' }, 'keys'],
    [{ headers: { match: 'some', values: { a: 'b' } } }, 'headers.match'],
    [{ headers: { values: { a: 1 } } }, 'headers.values.a'],
    [{ other: true }, ''],
  ])('refuses %j at %s', (filter, path) => {
    const result = filterSchema.safeParse(filter);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path.join('.')).toBe(path);
  });
});
