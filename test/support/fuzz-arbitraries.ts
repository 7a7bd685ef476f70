/**
 * fast-check arbitraries for fuzzing the HTTP API (test/integration/fuzz.int.test.ts).
 *
 * Bodies are built as JSON *text*, not as JS values, so that they can carry
 * what JSON.stringify cannot: own `__proto__` keys, duplicate-free key order,
 * `1e309` (which JSON.parse turns into Infinity) and `-0`. Every known-invalid
 * body comes with the field the API's 400 message must name (API.md: "the
 * message names the field").
 */
import fc from 'fast-check';

/** The API's name rules (API.md "Limits"; consumer ids from lambdas/http/group-schemas.ts). */
export const TOPIC_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/;
export const CONSUMER_PATTERN = /^[a-zA-Z0-9._:@-]{1,200}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Members of Object.prototype: the names a `{}` used as a map already "has". */
export const PROTOTYPE_MEMBER_NAMES = [
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupSetter__',
] as const;

/** Keys used in prototype-pollution payloads. */
export const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype', 'polluted', 'toString', 'hasOwnProperty'] as const;

const q = (s: string) => JSON.stringify(s);
/** `{"k":v,…}` from already encoded value fragments (keys are kept as given, `__proto__` included). */
export const objectText = (entries: ReadonlyArray<readonly [string, string]>) => `{${entries.map(([k, v]) => `${q(k)}:${v}`).join(',')}}`;
export const arrayText = (items: readonly string[]) => `[${items.join(',')}]`;

// ---------------------------------------------------------------- path segments

/** Strings that survive encodeURIComponent (no lone surrogates). */
const unicode = fc.string({ unit: 'grapheme', maxLength: 30 });

/**
 * A raw path segment as it goes on the wire: already percent-encoded or
 * deliberately malformed, never containing `/`, `?` or `#` unencoded (those
 * would change the route rather than the parameter).
 */
export const rawSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '.',
    '..',
    '%2E%2E',
    '%2F',
    '%2f..%2F..%2Fetc%2Fpasswd',
    '..%2F..%2Fv1%2Ftopics',
    '%',
    '%G0',
    '%E0%A4%A',
    '%ED%A0%80', // a lone surrogate: decodeURIComponent throws
    '%C0%AE%C0%AE', // overlong UTF-8 dots
    '%00',
    '%0A%0D',
    '%20',
    '*',
    '~',
    "'%20OR%201%3D1--",
    '%7B%7Bself%7D%7D',
    '%24%7Bjndi%3Aldap%3A%2F%2Fx%7D',
    'null',
    'undefined',
    '__proto__',
    'constructor',
    '-1',
    '1.5',
    '1e309',
    'NaN',
    '9007199254740993',
    '999999999999999999999',
    '0x10',
    '%E2%80%AE', // right-to-left override
  ),
  unicode.map(encodeURIComponent),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 30 }).map(encodeURIComponent),
  // Printable ASCII sent unencoded, except the characters that end a segment.
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 30 }).map((s) => s.replace(/[/?# ]/g, '-')),
  fc.stringMatching(/^[a-zA-Z0-9._-]{1,40}$/),
  fc.integer({ min: 0, max: 5000 }).map(String),
  fc.integer({ min: 200, max: 6000 }).map((n) => 'a'.repeat(n)),
  // Long, but within Node's 16 KiB limit on the request line and headers (beyond it Node itself answers 431).
  fc.integer({ min: 100, max: 500 }).map((n) => '%F0%9F%92%A9'.repeat(n)),
);

// ---------------------------------------------------------------- query strings

/** Values no query parameter accepts as a long wait (waitMs ≤ 100 at most). */
export const queryValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '0',
    '1',
    '-1',
    '-0',
    '1.5',
    'NaN',
    '1e309',
    '-1e309',
    'Infinity',
    '20001',
    '1001',
    '9007199254740991',
    '9007199254740993',
    '99999999999999999999',
    '0x10',
    '+1',
    ' 1',
    '1 ',
    '01',
    'earliest',
    'latest',
    'EARLIEST',
    'true',
    'null',
    '[]',
    '{}',
    '%00',
    '%',
    '%E0%A4%A',
    'a'.repeat(300),
    'eyJzayI6IiJ9', // base64url of {"sk":""}
  ),
  fc.string({ maxLength: 20 }).filter((s) => !(/^\s*\+?\d+\s*$/.test(s) && Number(s) > 100)),
  unicode,
);

const knownQueryNames = ['offset', 'fromTimestamp', 'limit', 'waitMs', 'topic', 'group', 'cursor', 'ids', 'targetTopic'];

/** Query parameter names: known ones, unknown ones, odd ones; never a member of Object.prototype (own property below). */
export const queryName: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...knownQueryNames) },
  { weight: 1, arbitrary: fc.constantFrom('', 'Offset', 'offset[]', 'offset.x', 'a b', '%00', 'x'.repeat(300)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
).filter((name) => !(PROTOTYPE_MEMBER_NAMES as readonly string[]).includes(name) && !(name in Object.prototype));

/** `a=1&a=2&…`: repeated, unknown and malformed parameters; sometimes not encoded at all. */
export const queryString: fc.Arbitrary<string> = fc
  .tuple(fc.array(fc.tuple(queryName, queryValue), { maxLength: 6 }), fc.boolean())
  .map(([pairs, encode]) =>
    pairs
      .map(([k, v]) =>
        encode
          ? `${encodeURIComponent(k)}=${encodeURIComponent(v)}`
          : `${k.replace(/[^\x21-\x7e]|[#&=]/g, '_')}=${v.replace(/[^\x21-\x7e]|[#&]/g, '_')}`,
      )
      .join('&'),
  );

// ---------------------------------------------------------------- JSON bodies

/** Leaf JSON fragments, including what JSON.stringify cannot write. */
export const jsonLeaf: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('null', 'true', 'false', '0', '-0', '1e309', '-1e309', '1.5', '-1', '9007199254740993', '""', '"polluted"'),
  fc.string({ maxLength: 20 }).map(q),
  unicode.map(q),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.integer().map(String),
);

/** A random JSON text whose object keys are often prototype-pollution keys. */
export function jsonText(keys: fc.Arbitrary<string> = fc.string({ maxLength: 12 })): fc.Arbitrary<string> {
  const key = fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...POLLUTION_KEYS) }, { weight: 2, arbitrary: keys });
  const { value } = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, jsonLeaf, tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 4 }).map(arrayText),
    object: fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map(objectText),
  }));
  return value;
}

/** A JSON object text made only of pollution keys at several depths, ending in `{"polluted":"yes"}`. */
export const pollutionObject: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant('{"polluted":"yes"}'),
    fc.array(fc.tuple(fc.constantFrom(...POLLUTION_KEYS), tie('node')), { minLength: 1, maxLength: 3 }).map(objectText),
    tie('node').map((inner) => arrayText([inner])),
  ),
})).node;

/** Any request body: JSON of any shape, text that is not JSON, bytes that are not UTF-8, nothing. */
export const anyBody: fc.Arbitrary<string | Buffer | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('', ' ', 'null', '{}', '[]', '""', '0', '{', '{"a":', ']', 'NaN', '\u0000', '{"a":1}garbage', '\ufeff{}'),
  jsonText(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 100 }),
  fc.uint8Array({ maxLength: 100 }).map((bytes) => Buffer.from(bytes)),
);

/** Content types a client might send instead of application/json. */
export const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '*/*',
  '',
);

/** `depth` levels of nesting of the given kind, as JSON text. */
export function deepJson(depth: number, kind: 'array' | 'object' | 'mixed' | 'proto'): string {
  switch (kind) {
    case 'array':
      return '['.repeat(depth) + ']'.repeat(depth);
    case 'object':
      return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    case 'proto':
      return '{"__proto__":'.repeat(depth) + '{"polluted":"yes"}' + '}'.repeat(depth);
    case 'mixed': {
      const half = Math.ceil(depth / 2);
      return '[{"a":'.repeat(half) + '1' + '}]'.repeat(half);
    }
  }
}

// ---------------------------------------------------------------- wrong values per field kind

const notJsonString = fc.oneof(
  fc.constantFrom('null', 'true', 'false', '0', '-1', '1.5', '1e309', '[]', '{}', '["a"]', '{"a":"b"}'),
  fc.integer().map(String),
);
const notArray = fc.constantFrom('null', 'true', '0', '"a"', '{}', '{"0":{}}', '1e309');
const notObject = fc.constantFrom('null', 'true', '0', '"a"', '[]', '[{}]', '1e309');

/** A JSON fragment that is not a string matching `pattern` (wrong type, or a string that fails it). */
export function badPatternString(pattern: RegExp, samples: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    notJsonString,
    fc.constantFrom(...samples.filter((s) => !pattern.test(s))).map(q),
    fc.string({ maxLength: 30 }).filter((s) => !pattern.test(s)).map(q),
    unicode.filter((s) => !pattern.test(s)).map(q),
  );
}

const nameSamples = ['', ' ', 'a b', 'a/b', 'ü', 'x'.repeat(250), '\u0000', 'topic#1', '*', 'a\nb', 'ä'.repeat(10), 'a%2Fb'];
export const badTopicName = badPatternString(TOPIC_PATTERN, nameSamples);
export const badConsumerId = badPatternString(CONSUMER_PATTERN, [...nameSamples, 'x'.repeat(201), 'a#b', 'a/b']);

/** A JSON fragment that is not an integer from min to max (inclusive); `-0` is not used (it is 0). */
export function badInt(min: number, max = Number.MAX_SAFE_INTEGER): fc.Arbitrary<string> {
  const outside = [min - 1, min - 1000, max === Number.MAX_SAFE_INTEGER ? 9007199254740992 : max + 1].map(String);
  return fc.oneof(
    fc.constantFrom('null', 'true', '"1"', `"${min}"`, '[]', '[1]', '{}', '1e309', '-1e309', '0.5', `${min}.5`, '1e400', ...outside),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)).map((n) => JSON.stringify(n)),
    fc.integer({ min: -2_000_000, max: min - 1 }).map(String),
    ...(max < Number.MAX_SAFE_INTEGER ? [fc.integer({ min: max + 1, max: max + 2_000_000 }).map(String)] : []),
  );
}

// ---------------------------------------------------------------- body specifications

/** A field of a request body: a valid value, known-invalid values, and for arrays of objects the element's spec. */
export interface FieldSpec {
  readonly name: string;
  readonly required: boolean;
  /** A valid JSON fragment (used in the valid template when required or `inTemplate`). */
  readonly valid: string;
  readonly inTemplate?: boolean;
  /** Known-invalid fragments; absent when the field accepts any JSON (a record's `value`). */
  readonly wrong?: fc.Arbitrary<string>;
  /** For an array of objects: the element's spec (mutations inside element 0). */
  readonly element?: BodySpec;
}

export interface BodySpec {
  readonly fields: readonly FieldSpec[];
  /** All fields optional, but at least one must be given (`{}` is invalid). */
  readonly atLeastOne?: boolean;
}

/** A known-invalid body and the field its 400 message must name. */
export interface InvalidBody {
  readonly text: string;
  /** `name`, `records[0].partition`, `offsets[0]`, or `body`. */
  readonly field: string;
  readonly kind: 'missing' | 'wrong-type-or-value' | 'unknown-field' | 'not-an-object';
}

export function templateText(spec: BodySpec): string {
  return objectText(spec.fields.filter((f) => f.required || f.inTemplate).map((f) => [f.name, f.valid]));
}

/** Known-invalid variants of `spec`'s template: one required field missing, one field wrong, one unknown field, or not an object. */
export function invalidBody(spec: BodySpec, prefix = ''): fc.Arbitrary<InvalidBody> {
  const base = spec.fields.filter((f) => f.required || f.inTemplate);
  const label = (name: string) => `${prefix}${name}`;
  const entriesWith = (name: string, value: string | undefined) => {
    const entries: Array<[string, string]> = base.filter((f) => f.name !== name).map((f) => [f.name, f.valid]);
    if (value !== undefined) entries.push([name, value]);
    return objectText(entries);
  };
  const options: Array<fc.Arbitrary<InvalidBody>> = [];
  const required = spec.fields.filter((f) => f.required);
  if (required.length > 0) {
    options.push(
      fc.constantFrom(...required).map((f) => ({ text: entriesWith(f.name, undefined), field: label(f.name), kind: 'missing' as const })),
    );
  }
  if (spec.atLeastOne) {
    options.push(fc.constant({ text: '{}', field: prefix ? prefix.replace(/\.$/, '') : 'body', kind: 'missing' as const }));
  }
  options.push(
    fc
      .constantFrom(...spec.fields.filter((f) => f.wrong))
      .chain((f) => (f.wrong as fc.Arbitrary<string>).map((value) => ({ text: entriesWith(f.name, value), field: label(f.name), kind: 'wrong-type-or-value' as const }))),
  );
  const known = new Set(spec.fields.map((f) => f.name));
  options.push(
    fc
      .oneof(fc.constantFrom('extra', 'Name', 'NAME', '__proto__', 'constructor', 'prototype', ''), fc.string({ maxLength: 15 }))
      .filter((k) => !known.has(k))
      .map((k) => ({ text: entriesWith(k, '1'), field: label(k), kind: 'unknown-field' as const })),
  );
  options.push(
    notObject.map((text) => ({ text, field: prefix ? prefix.replace(/\.$/, '') : 'body', kind: 'not-an-object' as const })),
  );
  for (const f of spec.fields.filter((x) => x.element)) {
    const element = f.element as BodySpec;
    options.push(
      invalidBody(element, `${label(f.name)}[0].`).map((inner) => ({
        ...inner,
        text: entriesWith(f.name, arrayText([inner.text])),
      })),
    );
  }
  return fc.oneof(...options);
}

const retentionWrong = fc.oneof(badInt(-1), fc.constantFrom('0', '-2'));

/** Specs of the bodies of the routes API.md defines, by operation name of lambdas/http/routes.ts. */
export function bodySpecs(ctx: { topic: string; group: string }): Record<string, BodySpec> {
  const topicConfig: FieldSpec[] = [
    { name: 'retentionMs', required: false, valid: '3600000', wrong: retentionWrong },
    { name: 'retentionBytes', required: false, valid: '-1', wrong: retentionWrong },
    { name: 'archiveAfterMs', required: false, valid: '0', wrong: badInt(0) },
    { name: 'maxDeliveryAttempts', required: false, valid: '3', wrong: badInt(1, 1000) },
  ];
  const record: BodySpec = {
    fields: [
      // `value` accepts any JSON: its only invalid form is none at all ('missing').
      { name: 'value', required: true, valid: '{"fuzz":true}' },
      { name: 'key', required: false, valid: '"k"', wrong: fc.constantFrom('1', 'true', '[]', '{}', '["k"]', '1e309') },
      {
        name: 'valueBase64',
        required: false,
        valid: '"AA=="',
        wrong: fc.oneof(
          fc.constantFrom('1', 'null', '[]', '{}', '"@@@@"', '"abc"', '"A==="', '"AA=A"', '"ü"'),
          fc.string({ maxLength: 12 }).filter((s) => !BASE64.test(s)).map(q),
        ),
      },
      {
        name: 'headers',
        required: false,
        valid: '{"h":"v"}',
        wrong: fc.oneof(
          notObject,
          fc.constantFrom('{"h":1}', '{"h":null}', '{"h":{}}', '{"__proto__":{"polluted":"yes"}}', '{"a":"b","c":[]}'),
        ),
      },
      { name: 'partition', required: false, valid: '0', wrong: badInt(0) },
      { name: 'timestamp', required: false, valid: '1700000000000', wrong: badInt(0) },
    ],
  };
  return {
    createTopic: {
      fields: [
        { name: 'name', required: true, valid: q('fz-never-created'), wrong: badTopicName },
        { name: 'partitions', required: true, valid: '1', wrong: badInt(1, 1000) },
        ...topicConfig,
      ],
    },
    updateTopic: {
      atLeastOne: true,
      fields: [{ name: 'partitions', required: false, valid: '1000', wrong: badInt(1, 1000) }, { ...topicConfig[0]!, inTemplate: true }, ...topicConfig.slice(1)],
    },
    produce: {
      fields: [
        {
          name: 'records',
          required: true,
          valid: '[{"value":{"fuzz":true}}]',
          wrong: fc.oneof(notArray, fc.constantFrom('[]', '[null]', '[1]', '["a"]', '[[]]')),
          element: record,
        },
      ],
    },
    poll: {
      fields: [
        { name: 'topic', required: true, valid: q(ctx.topic), wrong: badTopicName },
        { name: 'consumerId', required: true, valid: '"fz-consumer"', wrong: badConsumerId },
        { name: 'maxRecords', required: false, valid: '1', inTemplate: true, wrong: badInt(1, 1000) },
        { name: 'waitMs', required: false, valid: '0', inTemplate: true, wrong: badInt(0, 20000) },
        { name: 'sessionTimeoutMs', required: false, valid: '30000', wrong: badInt(1000, 300000) },
        {
          name: 'autoOffsetReset',
          required: false,
          valid: '"earliest"',
          wrong: fc.oneof(notJsonString, fc.constantFrom('"EARLIEST"', '"none"', '""', '"latest "')),
        },
      ],
    },
    commit: {
      fields: [
        { name: 'topic', required: true, valid: q(ctx.topic), wrong: badTopicName },
        { name: 'consumerId', required: true, valid: '"fz-consumer"', wrong: badConsumerId },
        {
          name: 'offsets',
          required: true,
          valid: '[{"partition":0,"offset":0}]',
          wrong: fc.oneof(
            notArray,
            fc.constantFrom('[]', '[null]', '[1]', arrayText(Array.from({ length: 1001 }, () => '{"partition":0,"offset":0}'))),
          ),
          element: {
            fields: [
              { name: 'partition', required: true, valid: '0', wrong: badInt(0, 999) },
              { name: 'offset', required: true, valid: '0', wrong: badInt(0) },
            ],
          },
        },
      ],
    },
    nack: {
      fields: [
        { name: 'topic', required: true, valid: q(ctx.topic), wrong: badTopicName },
        { name: 'consumerId', required: true, valid: '"fz-consumer"', wrong: badConsumerId },
        { name: 'partition', required: true, valid: '0', wrong: badInt(0, 999) },
        { name: 'offset', required: true, valid: '0', wrong: badInt(0) },
        { name: 'error', required: false, valid: '"boom"', wrong: fc.oneof(notJsonString, fc.constant(q('e'.repeat(4097)))) },
      ],
    },
    redrive: {
      fields: [
        { name: 'group', required: true, valid: q(ctx.group), wrong: badTopicName },
        {
          name: 'ids',
          required: false,
          valid: '["00000-0000000000000000-00000000"]',
          wrong: fc.oneof(
            notArray,
            fc.constantFrom('[]', '[1]', '[null]', '[[]]', arrayText([q('x'.repeat(101))]), arrayText(Array.from({ length: 1001 }, (_, i) => q(String(i))))),
          ),
        },
        { name: 'targetTopic', required: false, valid: q(ctx.topic), wrong: badTopicName },
      ],
    },
    // Share groups (POST /v1/share-groups/{group}/receive, ack, offsets/reset).
    receive: {
      fields: [
        { name: 'topic', required: true, valid: q(ctx.topic), wrong: badTopicName },
        { name: 'consumerId', required: false, valid: '"fz-consumer"', wrong: badConsumerId },
        { name: 'maxRecords', required: false, valid: '1', inTemplate: true, wrong: badInt(1, 1000) },
        { name: 'waitMs', required: false, valid: '0', inTemplate: true, wrong: badInt(0, 20000) },
        { name: 'lockMs', required: false, valid: '1000', wrong: badInt(1000, 43200000) },
        { name: 'autoOffsetReset', required: false, valid: '"latest"', wrong: fc.oneof(notJsonString, fc.constantFrom('"LATEST"', '"none"', '""')) },
        { name: 'filter', required: false, valid: '{"keys":["a.*.#"]}', wrong: fc.constantFrom('1', '[]', '"a"', '{"keys":[]}', '{"keys":["ord*"]}', '{"keys":["a..b"]}', '{"keys":[1]}', '{"x":1}', '{"headers":{"values":{}}}', '{"headers":{"values":{"h":1}}}') },
      ],
    },
    ack: {
      fields: [
        { name: 'topic', required: true, valid: q(ctx.topic), wrong: badTopicName },
        {
          name: 'acks',
          required: true,
          valid: '[{"partition":0,"offset":0,"lockToken":"fz","type":"accept"}]',
          wrong: fc.oneof(
            notArray,
            fc.constantFrom('[]', '[null]', '[1]', arrayText(Array.from({ length: 1001 }, () => '{"partition":0,"offset":0,"lockToken":"t","type":"accept"}'))),
          ),
          element: {
            fields: [
              { name: 'partition', required: true, valid: '0', wrong: badInt(0, 999) },
              { name: 'offset', required: true, valid: '0', wrong: badInt(0) },
              { name: 'lockToken', required: true, valid: '"fz"', wrong: fc.oneof(notJsonString, fc.constantFrom('""', q('t'.repeat(201)))) },
              { name: 'type', required: true, valid: '"accept"', wrong: fc.oneof(notJsonString, fc.constantFrom('"ACCEPT"', '"ok"', '""')) },
              { name: 'error', required: false, valid: '"boom"', wrong: fc.oneof(notJsonString, fc.constant(q('e'.repeat(4097)))) },
              { name: 'delayMs', required: false, valid: '0', wrong: badInt(0, 900000) },
              { name: 'lockMs', required: false, valid: '1000', wrong: badInt(1000, 43200000) },
            ],
          },
        },
      ],
    },
    resetShareGroup: {
      fields: [
        { name: 'topic', required: true, valid: q(ctx.topic), wrong: badTopicName },
        { name: 'to', required: true, valid: '"latest"', wrong: fc.constantFrom('1', 'null', '"first"', '{}', '{"offset":-1}', '{"offset":1,"shiftBy":1}', '{"timestamp":"x"}', '[]') },
        { name: 'partitions', required: false, valid: '[0]', wrong: fc.oneof(notArray, fc.constantFrom('[]', '[-1]', '[1000]', '["0"]')) },
        { name: 'force', required: false, valid: 'false', wrong: fc.constantFrom('1', '"true"', 'null') },
      ],
    },
    // POST /upstash/consume/{group}/{instance} (the Upstash facade); `topics` is the alternative to `topic`.
    upstashConsume: {
      fields: [
        { name: 'topic', required: true, valid: q(ctx.topic), wrong: badTopicName },
        { name: 'timeout', required: false, inTemplate: true, valid: '0', wrong: badInt(0) },
      ],
    },
    // POST /upstash/fetch: topic, partition and offset go together (or topicPartitionOffsets instead).
    upstashFetch: {
      fields: [
        { name: 'topic', required: true, valid: q(ctx.topic), wrong: badTopicName },
        { name: 'partition', required: true, valid: '0', wrong: badInt(0, 999) },
        { name: 'offset', required: true, valid: '0', wrong: badInt(0) },
        { name: 'timeout', required: false, inTemplate: true, valid: '0', wrong: badInt(0) },
      ],
    },
    // POST /v1/tokens (API.md "Authentication"), when the route exists.
    createToken: {
      fields: [
        { name: 'name', required: true, valid: '"fz-token"', wrong: fc.oneof(notJsonString, fc.constantFrom('""', q('n'.repeat(129)), q('a\u0000b'), q('a\nb'))) },
        {
          name: 'permissions',
          required: true,
          valid: '[{"topics":"fz-nothing*","actions":["consume"]}]',
          wrong: fc.oneof(
            notArray,
            fc.constantFrom(
              '[null]',
              '[1]',
              '[{"topics":1,"actions":["consume"]}]',
              '[{"topics":"a","actions":"consume"}]',
              '[{"topics":"a","actions":["fly"]}]',
              '[{"topics":"a"}]',
              '[{"actions":["consume"]}]',
              '[{"topics":"a b","actions":["consume"]}]',
              '[{"topics":"a","actions":[]}]',
              '[{"topics":"a","actions":["consume","consume"]}]',
              '[{"topics":"a","actions":["consume"],"extra":1}]',
              '[]',
              arrayText(Array.from({ length: 101 }, () => '{"topics":"a","actions":["consume"]}')),
            ),
          ),
        },
      ],
    },
  };
}

// ---------------------------------------------------------------- headers

/** Header-safe characters (Node refuses others): tab, printable ASCII and Latin-1. */
const headerChar = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x21, max: 0x7e }) },
  { weight: 1, arbitrary: fc.constantFrom(0x20, 0x09) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
).map((c) => String.fromCharCode(c));
export const headerValue = fc.string({ unit: headerChar, maxLength: 300 });

/** Idempotency-Key values: plausible, empty, too long, with spaces, Latin-1, and long. */
export const idempotencyKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', '\t', 'a b', 'caf\u00e9', 'k'.repeat(255), 'k'.repeat(256), '"quoted"', 'a#b', '../../x', '%00', '__proto__', 'constructor'),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }),
  headerValue,
  fc.integer({ min: 250, max: 2000 }).map((n) => 'x'.repeat(n)),
);

/** What the server sees of a header value: Node strips leading and trailing spaces and tabs. */
export const trimHeader = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, '');

/** Authorization values that are not the given token (mangled, foreign, malformed). */
export function badAuthorization(token: string): fc.Arbitrary<string> {
  const idSecret = /^trb_([0-9a-f]{16})_(.+)$/.exec(token);
  const id = idSecret?.[1] ?? '0000000000000000';
  const secret = idSecret?.[2] ?? 'x'.repeat(43);
  const b64url = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), minLength: 43, maxLength: 43 });
  const hex16 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 16, maxLength: 16 });
  return fc
    .oneof(
      fc.constantFrom('', 'Bearer', 'Bearer ', 'bearer', 'Basic dXNlcjpwYXNz', 'Token x', 'null', 'undefined', `Bearer${token}`, token, `Basic ${token}`),
      headerValue,
      headerValue.map((v) => `Bearer ${v}`),
      b64url.map((s) => `Bearer trb_${id}_${s}`), // the real id with a wrong secret
      hex16.map((h) => `Bearer trb_${h}_${secret}`), // the real secret under another id
      fc.tuple(hex16, b64url).map(([h, s]) => `Bearer trb_${h}_${s}`),
      fc.nat({ max: token.length - 1 }).chain((i) =>
        fc.constantFrom(...'0Aa_-zZ9').map((c) => `Bearer ${token.slice(0, i)}${c === token[i] ? (c === 'a' ? 'b' : 'a') : c}${token.slice(i + 1)}`),
      ),
      fc.constantFrom(`Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, `Bearer ${token} ${token}`, `Bearer ${token.toUpperCase()}`),
    )
    .filter((value) => /^Bearer\s+(\S+)\s*$/i.exec(trimHeader(value))?.[1] !== token);
}
