/**
 * The OpenAPI description (lambdas/http/openapi.ts) against what the
 * service runs: the shipped docs/openapi.json must be the generated one,
 * every /v1 route must be in it (and nothing else), it must be a valid
 * OpenAPI 3.1 document, and its request schemas must accept and refuse the
 * same bodies as the zod schemas the handlers validate with.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { z } from 'zod';
import { STATUS_BY_CODE } from '../../lambdas/http/errors';
import { buildOpenApiDocument, DESCRIBED_PREFIX, openApiJson } from '../../lambdas/http/openapi';
import { ROUTES } from '../../lambdas/http/routes';
import { createTopicBody, produceBody, updateTopicBody } from '../../lambdas/http/schemas';
import { commitBody, nackBody, pollBody, redriveBody } from '../../lambdas/http/group-schemas';
import { createTokenBody } from '../../lambdas/http/token-schemas';

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
  const v1 = ROUTES.filter((route) => route.path.startsWith(DESCRIBED_PREFIX));

  it('has every /v1 route of ROUTES with its method and operationId', () => {
    expect(v1.length).toBeGreaterThan(15);
    for (const route of v1) {
      const operation = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect([route.method, route.path, operation?.operationId]).toEqual([route.method, route.path, route.operation]);
      expect(operation['x-tributary-permission']).toEqual({ action: route.action, topicIn: route.topicIn });
    }
  });

  it('has no operation that is not a /v1 route (other route families are not described)', () => {
    const described = Object.entries(doc.paths as Json).flatMap(([path, methods]) =>
      Object.entries(methods as Json).map(([method, op]) => `${method.toUpperCase()} ${path} ${(op as Json).operationId}`),
    );
    expect(described.sort()).toEqual(v1.map((r) => `${r.method} ${r.path} ${r.operation}`).sort());
    expect(Object.keys(doc.paths).every((path) => path.startsWith(DESCRIBED_PREFIX))).toBe(true);
  });

  it('declares each path parameter of the template, and a body exactly for POST and PATCH', () => {
    for (const route of v1) {
      const operation = doc.paths[route.path][route.method.toLowerCase()];
      const inPath = (operation.parameters ?? []).filter((p: Json) => p.in === 'path').map((p: Json) => p.name);
      expect(inPath).toEqual([...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]));
      expect([route.operation, operation.requestBody !== undefined]).toEqual([route.operation, ['POST', 'PATCH'].includes(route.method)]);
    }
  });

  it('documents the error body of every status in the error table, with all its codes', () => {
    const codes = Object.keys(STATUS_BY_CODE).sort();
    const documented = Object.keys(doc.components.responses)
      .flatMap((name) => doc.components.schemas[name].properties.error.properties.code.enum as string[])
      .sort();
    expect(documented).toEqual(codes);
    for (const [code, status] of Object.entries(STATUS_BY_CODE)) {
      expect(doc.components.schemas[`Error${status}`].properties.error.properties.code.enum).toContain(code);
    }
  });
});

describe('request schemas', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: 'openapi.json', components: doc.components });
  const validatorOf = (route: string, method: string) => {
    const ref: string = doc.paths[route][method].requestBody.content['application/json'].schema.$ref;
    return ajv.getSchema(`openapi.json${ref}`) ?? ajv.compile({ $ref: `openapi.json${ref}` });
  };

  /** Bodies the handlers accept and refuse; the document must give the same verdict as zod. */
  const CASES: ReadonlyArray<[string, string, z.ZodType, unknown[]]> = [
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
  ];

  it.each(CASES.map(([path, method, schema, bodies]) => [`${method.toUpperCase()} ${path}`, path, method, schema, bodies] as const))(
    '%s: the document accepts exactly the bodies the handler accepts',
    (_name, path, method, schema, bodies) => {
      const validate = validatorOf(path, method);
      let accepted = 0;
      for (const body of bodies) {
        const handler = schema.safeParse(body).success;
        expect([JSON.stringify(body).slice(0, 120), validate(body)]).toEqual([JSON.stringify(body).slice(0, 120), handler]);
        if (handler) accepted += 1;
      }
      // Each case holds bodies of both kinds, so the comparison means something.
      expect(accepted).toBeGreaterThan(0);
      expect(accepted).toBeLessThan(bodies.length);
    },
  );
});
