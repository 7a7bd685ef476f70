/**
 * Routing filters, as RabbitMQ's exchanges route: a topic-exchange match on
 * the record key (words split on `.`, `*` = exactly one word, `#` = zero or
 * more) and a headers-exchange match (`all` or `any`, `null` = present with
 * any value). One evaluator for share-group receives and push subscriptions.
 * A record that does not match is passed over by that group or subscription.
 */

/** A filter as the API takes it (API.md, "Filters"). */
export interface RecordFilter {
  /** Key patterns; the key must match at least one. */
  readonly keys?: readonly string[] | undefined;
  readonly headers?:
    | {
        /** `all` (default): every listed header matches; `any`: at least one does. */
        readonly match?: 'all' | 'any' | undefined;
        /** Header name → exact value, or `null` for "present with any value". */
        readonly values: Readonly<Record<string, string | null>>;
      }
    | undefined;
}

/** What a filter looks at in a record. */
export interface FilterableRecord {
  readonly key?: string | null | undefined;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Why `pattern` is not a valid key pattern, or undefined when it is. Invalid:
 * empty, an empty word (`a..b`, `.a`, `a.`), or a word that mixes `*` or `#`
 * with other characters (`ord*`, `##`).
 */
export function keyPatternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'must not be empty';
  for (const word of pattern.split('.')) {
    if (word.length === 0) return 'must not have empty words (as in "a..b")';
    if (word !== '*' && word !== '#' && /[*#]/.test(word)) {
      return `the word "${word}" mixes * or # with other characters; * and # stand alone as whole words`;
    }
  }
  return undefined;
}

/**
 * Whether `key` matches the topic-exchange `pattern`. A record without a key
 * matches only `#`. The pattern must be valid (see keyPatternProblem).
 */
export function keyMatches(pattern: string, key: string | null | undefined): boolean {
  if (key === undefined || key === null) return pattern === '#';
  return wordsMatch(pattern.split('.'), 0, key.split('.'), 0, new Map());
}

/** Backtracking over words with memoization: O(pattern words × key words). */
function wordsMatch(pattern: string[], p: number, key: string[], k: number, memo: Map<number, boolean>): boolean {
  const slot = p * (key.length + 1) + k;
  const known = memo.get(slot);
  if (known !== undefined) return known;
  let result: boolean;
  if (p === pattern.length) {
    result = k === key.length;
  } else if (pattern[p] === '#') {
    // Zero words, or one word and stay on the `#`.
    result = wordsMatch(pattern, p + 1, key, k, memo) || (k < key.length && wordsMatch(pattern, p, key, k + 1, memo));
  } else if (k === key.length) {
    result = false;
  } else {
    result = (pattern[p] === '*' || pattern[p] === key[k]) && wordsMatch(pattern, p + 1, key, k + 1, memo);
  }
  memo.set(slot, result);
  return result;
}

function headersMatch(filter: NonNullable<RecordFilter['headers']>, headers: Readonly<Record<string, string>>): boolean {
  const entries = Object.entries(filter.values);
  const one = ([name, expected]: [string, string | null]): boolean =>
    Object.hasOwn(headers, name) && (expected === null || headers[name] === expected);
  return filter.match === 'any' ? entries.some(one) : entries.every(one);
}

/**
 * Whether `record` passes `filter`. No filter passes everything; with both
 * parts given both must match; a part left out puts no condition.
 */
export function matchesFilter(filter: RecordFilter | null | undefined, record: FilterableRecord): boolean {
  if (!filter) return true;
  if (filter.keys !== undefined && !filter.keys.some((pattern) => keyMatches(pattern, record.key))) return false;
  if (filter.headers !== undefined && !headersMatch(filter.headers, record.headers)) return false;
  return true;
}
