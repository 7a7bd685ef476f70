/** The Upstash facade's pure parts: credentials, request parsing, message mapping, error body. */
import { credentialsOf } from '../../lambdas/core/auth';
import { ForbiddenError, InvalidRequestError, OffsetOutOfRangeError, TributaryError, UnauthenticatedError } from '../../lambdas/core/errors';
import { MAX_FETCH_RESPONSE_BYTES } from '../../lambdas/core/limits';
import type { PositionedRecord } from '../../lambdas/core/types';
import { UPSTASH_UNAUTHENTICATED, upstashErrorResponse } from '../../lambdas/http/errors';
import { toMessage, toProduceRecord, valueString, withinResponseBudget } from '../../lambdas/upstash/messages';
import {
  parseConsumerPath,
  parseOffsetPosition,
  parseTopicPartitions,
  parseUpstashCommit,
  parseUpstashConsume,
  parseUpstashFetch,
  parseUpstashProduce,
  parseWebhookQuery,
} from '../../lambdas/upstash/schemas';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const TOKEN = `trb_0123456789abcdef_${'A'.repeat(43)}`;

/** The 400 message a parse throws (fails the test if it does not throw one). */
function invalid(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return (error as Error).message;
  }
  throw new Error('expected an InvalidRequestError');
}

describe('credentialsOf', () => {
  it('reads the password of Basic credentials as the token, whatever the username (also empty or with colons in the password)', () => {
    expect(credentialsOf(`Basic ${b64(`anything:${TOKEN}`)}`)).toEqual({ scheme: 'basic', token: TOKEN });
    expect(credentialsOf(`basic   ${b64(`:${TOKEN}`)}  `)).toEqual({ scheme: 'basic', token: TOKEN });
    expect(credentialsOf(`Basic ${b64('user:pa:ss')}`)).toEqual({ scheme: 'basic', token: 'pa:ss' });
  });

  it('keeps reading Bearer tokens', () => {
    expect(credentialsOf(`Bearer ${TOKEN}`)).toEqual({ scheme: 'bearer', token: TOKEN });
  });

  it('marks malformed Basic credentials (no base64, no colon, empty password, no padding) as Basic without a token', () => {
    for (const header of ['Basic', 'Basic ', 'Basic !!!', `Basic ${b64('no-colon')}`, `Basic ${b64('user:')}`, 'Basic YQ', `Basic ${b64('a:b')} extra`]) {
      expect([header, credentialsOf(header)]).toEqual([header, { scheme: 'basic', token: undefined }]);
    }
  });

  it('reads nothing from other schemes or no header', () => {
    for (const header of [undefined, '', 'Token x', 'Bearer', 'Basicx', TOKEN]) expect(credentialsOf(header)).toBeUndefined();
  });
});

describe('parseUpstashProduce', () => {
  it('takes one message or an array, in order, with every option', () => {
    expect(parseUpstashProduce('{"topic":"t","value":"v"}')).toEqual([{ topic: 't', value: 'v' }]);
    const many = parseUpstashProduce(
      JSON.stringify([
        { topic: 'a', value: 'x', key: 'k', partition: 2, timestamp: 5, headers: [{ key: 'h', value: '1' }] },
        { topic: 'b', value: '' },
      ]),
    );
    expect(many).toEqual([
      { topic: 'a', value: 'x', key: 'k', partition: 2, timestamp: 5, headers: [{ key: 'h', value: '1' }] },
      { topic: 'b', value: '' },
    ]);
  });

  it('names the field that is wrong, with the array index', () => {
    expect(invalid(() => parseUpstashProduce('{"topic":"t"}'))).toBe('value: is required');
    expect(invalid(() => parseUpstashProduce('{"topic":"t","value":1}'))).toMatch(/^value: expected a string/);
    expect(invalid(() => parseUpstashProduce('[{"topic":"t","value":"v"},{"topic":"t","value":"v","partition":-1}]'))).toMatch(/^\[1\]\.partition: /);
    expect(invalid(() => parseUpstashProduce('{"topic":"t","value":"v","headers":{"a":"b"}}'))).toMatch(/^headers: /);
    expect(invalid(() => parseUpstashProduce('{"topic":"t","value":"v","headers":[{"key":"a","value":"1"},{"key":"a","value":"2"}]}'))).toBe(
      "headers[1].key: repeats header 'a'",
    );
    expect(invalid(() => parseUpstashProduce('{"topic":"t","value":"v","Topic":"x"}'))).toBe("Topic: unknown field 'Topic'");
    expect(invalid(() => parseUpstashProduce('[]'))).toBe('body: at least one message is required');
    expect(invalid(() => parseUpstashProduce('nope'))).toBe('body: is not valid JSON');
    expect(invalid(() => parseUpstashProduce(null))).toBe('body: a JSON body is required');
    expect(invalid(() => parseUpstashProduce('"just a string"'))).toMatch(/^body: /);
  });

  it('refuses more than 500 messages with 413', () => {
    const body = JSON.stringify(Array.from({ length: 501 }, () => ({ topic: 't', value: 'v' })));
    expect(() => parseUpstashProduce(body)).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }));
  });
});

describe('parseUpstashFetch', () => {
  it('combines topicPartitionOffsets with a single topic/partition/offset, defaults and caps the timeout', () => {
    expect(parseUpstashFetch('{"topic":"t","partition":1,"offset":2}')).toEqual({ partitions: [{ topic: 't', partition: 1, offset: 2 }], waitMs: 1000 });
    expect(
      parseUpstashFetch('{"topic":"t","partition":0,"offset":0,"topicPartitionOffsets":[{"topic":"u","partition":3,"offset":4}],"timeout":60000}'),
    ).toEqual({ partitions: [{ topic: 'u', partition: 3, offset: 4 }, { topic: 't', partition: 0, offset: 0 }], waitMs: 20_000 });
  });

  it('needs topic, partition and offset together, or some topicPartitionOffsets', () => {
    expect(invalid(() => parseUpstashFetch('{"topic":"t","partition":1}'))).toMatch(/^offset: /);
    expect(invalid(() => parseUpstashFetch('{}'))).toMatch(/^topic: /);
    expect(invalid(() => parseUpstashFetch('{"topicPartitionOffsets":[]}'))).toMatch(/^topic: /);
    expect(invalid(() => parseUpstashFetch('{"topic":"t","partition":0,"offset":0,"timeout":-1}'))).toMatch(/^timeout: /);
  });
});

describe('parseUpstashConsume', () => {
  it('reads one topic or several, and the Kafka-* headers with Upstash’s defaults', () => {
    expect(parseUpstashConsume('{"topic":"t"}', {})).toEqual({
      topics: ['t'],
      waitMs: 1000,
      autoCommit: true,
      autoCommitIntervalMs: 5000,
      autoOffsetReset: 'latest',
    });
    expect(
      parseUpstashConsume('{"topics":["a","b","a"],"timeout":0}', {
        'kafka-enable-auto-commit': 'FALSE',
        'kafka-auto-commit-interval': '250',
        'kafka-auto-offset-reset': 'earliest',
      }),
    ).toEqual({ topics: ['a', 'b'], waitMs: 0, autoCommit: false, autoCommitIntervalMs: 250, autoOffsetReset: 'earliest' });
  });

  it('refuses both or neither of topic and topics, and bad header values, naming them', () => {
    expect(invalid(() => parseUpstashConsume('{"topic":"a","topics":["b"]}', {}))).toMatch(/^topic: /);
    expect(invalid(() => parseUpstashConsume('{}', {}))).toMatch(/^topic: /);
    expect(invalid(() => parseUpstashConsume('{"topics":[]}', {}))).toMatch(/^topics: /);
    expect(invalid(() => parseUpstashConsume('{"topic":"t"}', { 'kafka-enable-auto-commit': '1' }))).toMatch(/^Kafka-Enable-Auto-Commit: /);
    expect(invalid(() => parseUpstashConsume('{"topic":"t"}', { 'kafka-auto-commit-interval': '1.5' }))).toMatch(/^Kafka-Auto-Commit-Interval: /);
    expect(invalid(() => parseUpstashConsume('{"topic":"t"}', { 'kafka-auto-offset-reset': 'smallest' }))).toMatch(/^Kafka-Auto-Offset-Reset: /);
  });
});

describe('commit, committed, offsets, paths, webhook', () => {
  it('reads a commit body: none (everything consumed), one offset or an array', () => {
    expect(parseUpstashCommit(null)).toBeUndefined();
    expect(parseUpstashCommit('  ')).toBeUndefined();
    expect(parseUpstashCommit('{"topic":"t","partition":0,"offset":3}')).toEqual([{ topic: 't', partition: 0, offset: 3 }]);
    expect(parseUpstashCommit('[]')).toEqual([]);
    expect(invalid(() => parseUpstashCommit('[{"topic":"t","partition":0}]'))).toBe('[0].offset: is required');
  });

  it('reads topic partitions, offset positions and the consumer path', () => {
    expect(parseTopicPartitions('[{"topic":"t","partition":1}]')).toEqual([{ topic: 't', partition: 1 }]);
    expect(parseTopicPartitions('{"topic":"t","partition":1}')).toEqual([{ topic: 't', partition: 1 }]);
    expect(parseOffsetPosition('earliest')).toEqual({ kind: 'earliest' });
    expect(parseOffsetPosition('latest')).toEqual({ kind: 'latest' });
    expect(parseOffsetPosition('1700000000000')).toEqual({ kind: 'timestamp', timestamp: 1_700_000_000_000 });
    for (const raw of [undefined, '', '-1', '1.5', 'now', '99999999999999999']) expect(invalid(() => parseOffsetPosition(raw))).toMatch(/^timestamp: /);
    expect(parseConsumerPath({ group: 'g', instance: 'i-1:a@b' })).toEqual({ group: 'g', instance: 'i-1:a@b' });
    expect(invalid(() => parseConsumerPath({ group: 'g/h', instance: 'i' }))).toMatch(/^group: /);
    expect(invalid(() => parseConsumerPath({ group: 'g', instance: 'a b' }))).toMatch(/^instance: /);
    expect(parseWebhookQuery({ topic: 't' })).toBe('t');
    expect(invalid(() => parseWebhookQuery({}))).toBe('topic: is required');
    expect(invalid(() => parseWebhookQuery({ topic: 't', key: 'k' }))).toMatch(/^key: unknown query parameter/);
  });
});

describe('messages', () => {
  const record = (value: PositionedRecord['value'], extra: Partial<PositionedRecord> = {}): PositionedRecord => ({
    partition: 1,
    offset: 7,
    timestamp: 42,
    headers: {},
    value,
    ...extra,
  });

  it('stores an Upstash value as a JSON string and gives back the identical string', () => {
    for (const value of ['plain', '{"a":1}', '  "quoted" \n', '', '42', 'null', '\u2603']) {
      const produced = toProduceRecord({ topic: 't', value }, 1);
      expect(produced.value).toEqual({ json: JSON.stringify(value) });
      expect(valueString(record(produced.value))).toBe(value);
    }
  });

  it('maps key, headers and timestamp both ways; a missing key reads as ""', () => {
    const produced = toProduceRecord({ topic: 't', value: 'v', key: 'k', headers: [{ key: 'a', value: '1' }, { key: 'b', value: '' }] }, 99);
    expect(produced).toEqual({ key: 'k', value: { json: '"v"' }, headers: { a: '1', b: '' }, partition: undefined, timestamp: 99 });
    expect(toProduceRecord({ topic: 't', value: 'v', timestamp: 5 }, 99).timestamp).toBe(5);
    expect(toMessage('t', record({ json: '"v"' }, { key: 'k', headers: { a: '1', b: '' } }))).toEqual({
      topic: 't',
      partition: 1,
      offset: 7,
      timestamp: 42,
      key: 'k',
      value: 'v',
      headers: [{ key: 'a', value: '1' }, { key: 'b', value: '' }],
    });
    expect(toMessage('t', record({ json: '"v"' })).key).toBe('');
  });

  it('reads /v1 values: JSON other than strings as its text, binary as UTF-8', () => {
    expect(valueString(record({ json: '{"item":"book","qty":1}' }))).toBe('{"item":"book","qty":1}');
    expect(valueString(record({ json: '3' }))).toBe('3');
    expect(valueString(record({ binary: Buffer.from('héllo', 'utf8') }))).toBe('héllo');
  });

  it('keeps a prefix of the records within one response, and always at least one', () => {
    const big = (offset: number) => ({ topic: 't', record: record({ json: JSON.stringify('x'.repeat(1024 * 1024)) }, { offset }) });
    const kept = withinResponseBudget([0, 1, 2, 3, 4, 5].map(big));
    expect(kept.map((k) => k.record.offset)).toEqual([0, 1, 2]);
    expect(kept.length * 1024 * 1024).toBeLessThanOrEqual(MAX_FETCH_RESPONSE_BYTES);
    const huge = { topic: 't', record: record({ json: JSON.stringify('x'.repeat(5 * 1024 * 1024)) }) };
    expect(withinResponseBudget([huge, big(1)])).toEqual([huge]);
  });
});

describe('upstashErrorResponse', () => {
  const bodyOf = (error: unknown) => {
    const res = upstashErrorResponse(error);
    return { statusCode: res.statusCode, body: JSON.parse(res.body) as unknown, headers: res.headers };
  };

  it('answers {"error": message, "status": N} with the /v1 status, the code and details beside them', () => {
    expect(bodyOf(new ForbiddenError('produce', "topic 'x'"))).toMatchObject({
      statusCode: 403,
      body: { error: "The token lacks the 'produce' permission on topic 'x'.", status: 403, code: 'FORBIDDEN' },
    });
    expect(bodyOf(new OffsetOutOfRangeError(9, 0, 3))).toMatchObject({
      statusCode: 416,
      body: { error: expect.any(String), status: 416, code: 'OFFSET_OUT_OF_RANGE', startOffset: 0, endOffset: 3 },
    });
    expect(bodyOf(new TributaryError('UNAVAILABLE', 'down', { retryAfterSeconds: 1 }))).toMatchObject({
      statusCode: 503,
      headers: { 'Retry-After': '1' },
    });
  });

  it('tells Upstash clients where the token goes, and hides unknown errors', () => {
    expect(bodyOf(new UnauthenticatedError()).body).toEqual({ error: UPSTASH_UNAUTHENTICATED, status: 401, code: 'UNAUTHENTICATED' });
    expect(bodyOf(new Error('secret stack'))).toEqual({
      statusCode: 500,
      headers: { 'Content-Type': 'application/json' },
      body: { error: 'Internal error.', status: 500, code: 'INTERNAL' },
    });
  });
});
