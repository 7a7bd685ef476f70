/**
 * The OpenAPI description (lambdas/http/openapi.ts) against what the
 * service runs: the shipped docs/openapi.json must be the generated one,
 * every route of the route table (/v1 and the Upstash facade) must be in it
 * (and nothing else), it must be a valid OpenAPI 3.1 document, and its
 * request schemas must accept and refuse the same bodies as the zod schemas
 * the handlers validate with (and, for the facade, as its parsers).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { z } from 'zod';
import { TributaryError } from '../../lambdas/core/errors';
import { STATUS_BY_CODE } from '../../lambdas/http/errors';
import { buildOpenApiDocument, openApiJson } from '../../lambdas/http/openapi';
import { ROUTES } from '../../lambdas/http/routes';
import { createTopicBody, produceBody, updateTopicBody } from '../../lambdas/http/schemas';
import { commitBody, nackBody, pollBody, redriveBody } from '../../lambdas/http/group-schemas';
import { createTokenBody } from '../../lambdas/http/token-schemas';
import {
  consumeBody as upstashConsumeBody,
  fetchBody as upstashFetchBody,
  parseTopicPartitions,
  parseUpstashCommit,
  parseUpstashConsume,
  parseUpstashFetch,
  parseUpstashProduce,
  topicPartitionsBody,
  upstashCommitBody,
  upstashProduceBody,
  WEBHOOK_QUERY,
} from '../../lambdas/upstash/schemas';

const ROOT = join(__dirname, '../..');
const SHIPPED = join(ROOT, 'docs/openapi.json');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const doc = buildOpenApiDocument() as Json;

describe('docs/openapi.json', () => {
  it('is the document the code generates (run `npm run openapi` after changing a route or a schema)', () => {
    const shipped = readFileSync(SHIPPED, 'utf8');
    const fresh = openApiJson();
    if (shipped !== fresh) {
      throw new Error('docs/openapi.json is out of date with the routes or the schemas: run `npm run openapi` and commit the result.');
    }
    expect(JSON.parse(shipped)).toEqual(doc);
  });

  it('is a valid OpenAPI 3.1 document', () => {
    // The validator is ESM-only: run it in a child Node process (the same Node 22 that runs jest).
    const script = `
      import { Validator } from '@seriousme/openapi-schema-validator';
      import { readFileSync } from 'node:fs';
      const validator = new Validator();
      const result = await validator.validate(JSON.parse(readFileSync(process.argv[1], 'utf8')));
      process.stdout.write(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors ?? null }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, SHIPPED], { cwd: ROOT, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ valid: true, version: '3.1', errors: null });
  });
});

describe('paths', () => {
  const facade = ROUTES.filter((route) => route.handler === 'upstash');
  /** POST routes that read no body. */
  const NO_BODY = new Set(['upstashRemoveConsumer']);
  const operationOf = (route: (typeof ROUTES)[number]): Json => doc.paths[route.path][route.method.toLowerCase()];

  it('has every route of ROUTES (/v1 and /upstash) with its method and operationId', () => {
    expect(ROUTES.length).toBeGreaterThan(25);
    expect(facade.length).toBeGreaterThanOrEqual(10);
    for (const route of ROUTES) {
      const operation = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect([route.method, route.path, operation?.operationId]).toEqual([route.method, route.path, route.operation]);
      expect(operation['x-tributary-permission']).toEqual({ action: route.action, topicIn: route.topicIn });
    }
  });

  it('has no operation that is not a route of ROUTES', () => {
    const described = Object.entries(doc.paths as Json).flatMap(([path, methods]) =>
      Object.entries(methods as Json).map(([method, op]) => `${method.toUpperCase()} ${path} ${(op as Json).operationId}`),
    );
    expect(described.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path} ${r.operation}`).sort());
  });

  it('declares each path parameter of the template, and a body exactly for POST and PATCH (but the POSTs that read none)', () => {
    for (const route of ROUTES) {
      const operation = operationOf(route);
      const inPath = (operation.parameters ?? []).filter((p: Json) => p.in === 'path').map((p: Json) => p.name);
      expect(inPath).toEqual([...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]));
      const hasBody = ['POST', 'PATCH'].includes(route.method) && !NO_BODY.has(route.operation);
      expect([route.operation, operation.requestBody !== undefined]).toEqual([route.operation, hasBody]);
    }
  });

  it('documents the error body of every status in the error table, with all its codes, in both formats', () => {
    const codes = Object.keys(STATUS_BY_CODE).sort();
    const names = Object.keys(doc.components.responses);
    const v1 = names.filter((name) => name.startsWith('Error'));
    const upstash = names.filter((name) => name.startsWith('UpstashError'));
    expect(v1.length + upstash.length).toBe(names.length);
    expect(v1.flatMap((name) => doc.components.schemas[name].properties.error.properties.code.enum as string[]).sort()).toEqual(codes);
    expect(upstash.flatMap((name) => doc.components.schemas[name].properties.code.enum as string[]).sort()).toEqual(codes);
    for (const [code, status] of Object.entries(STATUS_BY_CODE)) {
      expect(doc.components.schemas[`Error${status}`].properties.error.properties.code.enum).toContain(code);
      // Upstash's body: {"error": "<message>", "status": N, "code"}.
      const upstashBody = doc.components.schemas[`UpstashError${status}`];
      expect(upstashBody.properties.code.enum).toContain(code);
      expect(upstashBody.properties.error).toMatchObject({ type: 'string' });
      expect(upstashBody.properties.status).toEqual({ type: 'integer', const: status });
      expect(upstashBody.required).toEqual(expect.arrayContaining(['error', 'status', 'code']));
    }
  });

  it('answers the facade\'s errors in Upstash\'s body, with Basic or bearer credentials, under the Upstash tag', () => {
    expect(doc.components.securitySchemes.basicToken).toMatchObject({ type: 'http', scheme: 'basic' });
    expect(doc.components.securitySchemes.bearerToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearerToken: [] }]);
    const tag = (doc.tags as Json[]).find((t) => t.name === 'Upstash');
    expect(tag?.externalDocs?.url).toMatch(/^https:\/\/upstash\.com\/docs\/kafka\/rest\//);
    for (const route of ROUTES) {
      const operation = operationOf(route);
      const isFacade = route.handler === 'upstash';
      expect([route.operation, route.path.startsWith(isFacade ? '/upstash/' : '/v1/')]).toEqual([route.operation, true]);
      expect([route.operation, operation.tags.includes('Upstash')]).toEqual([route.operation, isFacade]);
      expect([route.operation, operation.security]).toEqual([route.operation, isFacade ? [{ basicToken: [] }, { bearerToken: [] }] : undefined]);
      const errors = Object.entries(operation.responses as Json).filter(([status]) => Number(status) >= 400);
      expect(errors.length).toBeGreaterThan(0);
      for (const [status, response] of errors) {
        expect([route.operation, response.$ref]).toEqual([route.operation, `#/components/responses/${isFacade ? 'UpstashError' : 'Error'}${status}`]);
      }
    }
    // What API Gateway answers itself keeps the /v1 body, also on the facade's routes.
    expect(doc.components.responses.UpstashError401.content['application/json'].schema).toEqual({
      oneOf: [{ $ref: '#/components/schemas/UpstashError401' }, { $ref: '#/components/schemas/Error401' }],
    });
    expect(doc.components.responses.UpstashError404.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/UpstashError404' });
  });

  it('documents the Kafka-* headers of consume with the defaults and values its parser uses', () => {
    const operation = doc.paths['/upstash/consume/{group}/{instance}'].post;
    const headers = Object.fromEntries(
      (operation.parameters as Json[]).filter((p) => p.in === 'header').map((p) => [p.name, p.schema]),
    ) as Record<string, Json>;
    expect(Object.keys(headers)).toEqual(['Kafka-Enable-Auto-Commit', 'Kafka-Auto-Commit-Interval', 'Kafka-Auto-Offset-Reset']);
    const parseWith = (name?: string, value?: string) =>
      parseUpstashConsume('{"topic":"orders"}', name === undefined ? {} : { [name.toLowerCase()]: value });
    expect(parseWith()).toMatchObject({
      autoCommit: headers['Kafka-Enable-Auto-Commit']!.default,
      autoCommitIntervalMs: headers['Kafka-Auto-Commit-Interval']!.default,
      autoOffsetReset: headers['Kafka-Auto-Offset-Reset']!.default,
    });
    expect(headers['Kafka-Enable-Auto-Commit']!.type).toBe('boolean');
    expect(parseWith('Kafka-Enable-Auto-Commit', 'false').autoCommit).toBe(false);
    expect(parseWith('Kafka-Auto-Commit-Interval', '250').autoCommitIntervalMs).toBe(250);
    for (const value of headers['Kafka-Auto-Offset-Reset']!.enum as string[]) {
      expect(parseWith('Kafka-Auto-Offset-Reset', value).autoOffsetReset).toBe(value);
    }
    // Each header is read: a bad value is a 400 naming it.
    for (const name of Object.keys(headers)) {
      expect(() => parseWith(name, 'bogus')).toThrow(`${name}: expected`);
    }
  });

  it('documents the webhook\'s text body and `topic` query parameter, and that a commit may have no body', () => {
    const webhook = doc.paths['/upstash/webhook'].post;
    expect(webhook.requestBody).toMatchObject({ required: false, content: { '*/*': { schema: { type: 'string' } } } });
    expect((webhook.parameters as Json[]).filter((p) => p.in === 'query').map((p) => [p.name, p.required])).toEqual(
      WEBHOOK_QUERY.map((name) => [name, true]),
    );
    expect(doc.paths['/upstash/commit/{group}/{instance}'].post.requestBody.required).toBe(false);
    expect(parseUpstashCommit(null)).toBeUndefined();
    expect(doc.paths['/upstash/produce'].post.requestBody.required).toBe(true);
  });
});

describe('request schemas', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: 'openapi.json', components: doc.components });
  const validatorOf = (route: string, method: string) => {
    const ref: string = doc.paths[route][method].requestBody.content['application/json'].schema.$ref;
    return ajv.getSchema(`openapi.json${ref}`) ?? ajv.compile({ $ref: `openapi.json${ref}` });
  };

  /** The verdict of a facade parser (which reads the raw body) on a JSON body. */
  const parser = (parse: (body: string) => unknown) => (body: unknown) => {
    try {
      parse(JSON.stringify(body));
      return true;
    } catch (error) {
      if (error instanceof TributaryError) return false;
      throw error;
    }
  };
  const message = (n: number) => Array.from({ length: n }, (_, i) => ({ topic: 'orders', value: `m${i}` }));
  const topicPartitionBodies = [
    [{ topic: 'orders', partition: 0 }],
    { topic: 'orders', partition: 1 },
    [],
    [{ topic: 'orders', partition: '0' }],
    [{ topic: 'orders' }],
    { topic: 'orders', partition: 0, offset: 1 },
    [{ topic: 'orders', partition: 1000 }],
    Array.from({ length: 10_001 }, () => ({ topic: 'orders', partition: 0 })),
  ];

  /**
   * Bodies the handlers accept and refuse; the document must give the same verdict as zod. The
   * facade parses item by item (for field names like `[2].partition`): its parser, the last
   * element, must give the same verdict as the schema the document is generated from.
   */
  const CASES: ReadonlyArray<[string, string, z.ZodType, unknown[], ((body: unknown) => boolean)?]> = [
    [
      '/v1/topics/{topic}/records',
      'post',
      produceBody,
      [
        { records: [{ key: 'user-42', value: { any: 'json' }, headers: { h: 'v' }, partition: 3, timestamp: 1700000000000 }] },
        { records: [{ value: null }] },
        { records: [{ valueBase64: 'AAEC', key: null }] },
        { records: [{ value: 1 }, { valueBase64: 'AAECAw==' }] },
        { records: [] },
        { records: [{}] },
        { records: [{ value: 1, valueBase64: 'AA==' }] },
        { records: [{ value: 1, partition: -1 }] },
        { records: [{ value: 1, partition: 1.5 }] },
        { records: [{ value: 1, headers: { h: 1 } }] },
        { records: [{ value: 1, extra: true }] },
        { records: [{ valueBase64: 'not base64!' }] },
        { records: [{ value: 1, timestamp: -5 }] },
        { record: [] },
        [],
      ],
    ],
    [
      '/v1/topics',
      'post',
      createTopicBody,
      [
        { name: 'orders', partitions: 3 },
        { name: 'a.b_c-d', partitions: 1000, retentionMs: -1, retentionBytes: 1024, archiveAfterMs: 0, maxDeliveryAttempts: 5 },
        { name: 'orders', partitions: 0 },
        { name: 'orders', partitions: 1001 },
        { name: 'or/ders', partitions: 1 },
        { name: 'x'.repeat(250), partitions: 1 },
        { partitions: 1 },
        { name: 'orders', partitions: 1, colour: 'blue' },
      ],
    ],
    ['/v1/topics/{topic}', 'patch', updateTopicBody, [{ partitions: 4 }, { retentionMs: 60000 }, {}, { partitions: '4' }, { name: 'x' }]],
    [
      '/v1/groups/{group}/poll',
      'post',
      pollBody,
      [
        { topic: 'orders', consumerId: 'c-1' },
        { topic: 'orders', consumerId: 'host:1@a', maxRecords: 10, waitMs: 20000, sessionTimeoutMs: 1000, autoOffsetReset: 'latest' },
        { topic: 'orders', consumerId: 'c 1' },
        { topic: 'orders', consumerId: 'c', waitMs: 20001 },
        { topic: 'orders', consumerId: 'c', sessionTimeoutMs: 999 },
        { topic: 'orders', consumerId: 'c', autoOffsetReset: 'middle' },
        { consumerId: 'c' },
      ],
    ],
    [
      '/v1/groups/{group}/commit',
      'post',
      commitBody,
      [
        { topic: 'orders', consumerId: 'c', offsets: [{ partition: 0, offset: 10 }] },
        { topic: 'orders', consumerId: 'c', offsets: [] },
        { topic: 'orders', consumerId: 'c', offsets: [{ partition: 1000, offset: 1 }] },
        { topic: 'orders', consumerId: 'c', offsets: [{ partition: 0 }] },
      ],
    ],
    [
      '/v1/groups/{group}/nack',
      'post',
      nackBody,
      [
        { topic: 'orders', consumerId: 'c', partition: 0, offset: 3, error: 'boom' },
        { topic: 'orders', consumerId: 'c', partition: 0, offset: 3 },
        { topic: 'orders', consumerId: 'c', partition: 0, offset: 3, error: 'x'.repeat(4097) },
        { topic: 'orders', consumerId: 'c', offset: 3 },
      ],
    ],
    [
      '/v1/topics/{topic}/dead-letters/redrive',
      'post',
      redriveBody,
      [
        { group: 'billing' },
        { group: 'billing', ids: ['00000-0000000000000003-abcdef01'], targetTopic: 'orders-retry' },
        { group: 'billing', ids: [] },
        { group: 'billing', ids: ['nope'] },
        { ids: ['00000-0000000000000003-abcdef01'] },
      ],
    ],
    [
      '/v1/tokens',
      'post',
      createTokenBody,
      [
        { name: 'orders producer', permissions: [{ topics: 'orders*', actions: ['produce'] }] },
        { name: 'admin', permissions: [{ topics: '*', actions: ['produce', 'consume', 'admin'] }] },
        { name: '', permissions: [{ topics: '*', actions: ['admin'] }] },
        { name: 'x', permissions: [] },
        { name: 'x', permissions: [{ topics: 'a*b', actions: ['admin'] }] },
        { name: 'x', permissions: [{ topics: '*', actions: ['delete'] }] },
        { name: 'x', permissions: [{ topics: '*', actions: [] }] },
      ],
    ],
    [
      '/upstash/produce',
      'post',
      upstashProduceBody,
      [
        { topic: 'orders', value: 'hello' },
        { topic: 'orders', value: '', key: 'k', partition: 3, timestamp: 1700000000000, headers: [{ key: 'traceId', value: '85a9f12' }] },
        { topic: 'orders', value: 'v', key: null, headers: [] },
        [{ topic: 'orders', value: '1' }, { topic: 'events', value: '2', partition: 0 }],
        message(500),
        [],
        message(501),
        { topic: 'orders' },
        { topic: 'orders', value: { not: 'a string' } },
        { topic: 'orders', value: 'v', extra: 1 },
        [{ topic: 'orders', value: 'v' }, { topic: 'orders', value: 1 }],
        { topic: 'orders', value: 'v', partition: 1000 },
        { topic: 'orders', value: 'v', timestamp: -1 },
        { topic: 'or/ders', value: 'v' },
        { topic: 'orders', value: 'v', headers: [{ key: '', value: 'x' }] },
        { topic: 'orders', value: 'v', headers: { a: '1' } },
        'orders',
        null,
      ],
      parser(parseUpstashProduce),
    ],
    [
      '/upstash/fetch',
      'post',
      upstashFetchBody,
      [
        { topic: 'orders', partition: 0, offset: 0 },
        { topic: 'orders', partition: 0, offset: 5, timeout: 0 },
        { topicPartitionOffsets: [{ topic: 'a', partition: 0, offset: 1 }, { topic: 'b', partition: 2, offset: 0 }], timeout: 15000 },
        { topic: 'a', partition: 0, offset: 0, topicPartitionOffsets: [] },
        { topic: 'a', partition: 0, offset: 0, topicPartitionOffsets: [{ topic: 'b', partition: 0, offset: 0 }] },
        { topic: 'orders', partition: 0 },
        { partition: 0, offset: 3 },
        { offset: 3, topicPartitionOffsets: [{ topic: 'b', partition: 0, offset: 0 }] },
        {},
        { topicPartitionOffsets: [] },
        { topicPartitionOffsets: [{ topic: 'a', partition: 0 }] },
        { topic: 'orders', partition: 0, offset: -1 },
        { topic: 'orders', partition: 0, offset: 0, timeout: -1 },
        { topic: 'orders', partition: 0, offset: 0, extra: true },
      ],
      parser(parseUpstashFetch),
    ],
    [
      '/upstash/consume/{group}/{instance}',
      'post',
      upstashConsumeBody,
      [
        { topic: 'orders' },
        { topics: ['orders', 'events'], timeout: 1000 },
        { topic: 'orders', timeout: 0 },
        { topic: 'orders', topics: ['orders'] },
        {},
        { topics: [] },
        { timeout: 5 },
        { topic: 'orders', timeout: 1.5 },
        { topics: Array.from({ length: 101 }, (_, i) => `t${i}`) },
        { topics: ['orders', 'bad topic'] },
        { topic: 'orders', group: 'x' },
      ],
      parser((body) => parseUpstashConsume(body, {})),
    ],
    [
      '/upstash/commit/{group}/{instance}',
      'post',
      upstashCommitBody,
      [
        { topic: 'orders', partition: 0, offset: 10 },
        [{ topic: 'orders', partition: 0, offset: 10 }, { topic: 'events', partition: 3, offset: 0 }],
        [],
        { topic: 'orders', partition: 0 },
        [{ topic: 'orders', partition: 0, offset: 1 }, { topic: 'orders', partition: '0', offset: 1 }],
        { topic: 'orders', partition: 0, offset: -1 },
        { topic: 'orders', partition: 0, offset: 1, extra: 1 },
        'orders',
        null,
      ],
      parser(parseUpstashCommit),
    ],
    ['/upstash/committed/{group}/{instance}', 'post', topicPartitionsBody, topicPartitionBodies, parser(parseTopicPartitions)],
    ['/upstash/offsets/{position}', 'post', topicPartitionsBody, topicPartitionBodies, parser(parseTopicPartitions)],
  ];

  it.each(
    CASES.map(([path, method, schema, bodies, accepts]) => [`${method.toUpperCase()} ${path}`, path, method, schema, bodies, accepts] as const),
  )(
    '%s: the document accepts exactly the bodies the handler accepts',
    (_name, path, method, schema, bodies, accepts) => {
      const validate = validatorOf(path, method);
      let accepted = 0;
      for (const body of bodies) {
        const handler = schema.safeParse(body).success;
        expect([JSON.stringify(body).slice(0, 120), validate(body)]).toEqual([JSON.stringify(body).slice(0, 120), handler]);
        if (accepts) expect([JSON.stringify(body).slice(0, 120), accepts(body)]).toEqual([JSON.stringify(body).slice(0, 120), handler]);
        if (handler) accepted += 1;
      }
      // Each case holds bodies of both kinds, so the comparison means something.
      expect(accepted).toBeGreaterThan(0);
      expect(accepted).toBeLessThan(bodies.length);
    },
  );
});
