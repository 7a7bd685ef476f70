/**
 * The OpenAPI description as a client meets it: `GET /v1/openapi.json`
 * serves the shipped docs/openapi.json, and real responses of every kind of
 * operation (of /v1 and of the Upstash facade) match the response schemas it
 * declares for their status, so a handler that adds, drops or renames a
 * response field fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { uniqueName, type ApiResponse, type RequestOptions } from '../support/http';
import { openTarget, type Target } from '../support/target';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const shipped = JSON.parse(readFileSync(join(__dirname, '../../docs/openapi.json'), 'utf8')) as Json;
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: 'openapi.json', components: shipped.components });

/** The schema the document declares for this operation's answer with this status. */
function responseValidator(path: string, method: string, status: number): ValidateFunction | undefined {
  let response = shipped.paths[path]?.[method]?.responses?.[String(status)];
  if (!response) throw new Error(`The document has no ${status} response for ${method.toUpperCase()} ${path}`);
  if (response.$ref) response = shipped.components.responses[String(response.$ref).split('/').pop() as string];
  const schema = response.content?.['application/json']?.schema as Json | undefined;
  if (!schema) return undefined;
  const ref = schema.$ref as string | undefined;
  if (ref) return ajv.getSchema(`openapi.json${ref}`) ?? ajv.compile({ $ref: `openapi.json${ref}` });
  // An inline schema (such as a oneOf of two error bodies): its references point into the document.
  return ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/')) as Json);
}

/** Asserts the response has the status and the documented body for it (or no body when none is documented). */
function expectDocumented(response: ApiResponse, path: string, method: string, status: number): void {
  expect([method, path, response.status]).toEqual([method, path, status]);
  const validate = responseValidator(path, method, status);
  if (!validate) {
    expect(response.text).toBe('');
    return;
  }
  const valid = validate(response.body);
  expect([method, path, status, valid ? [] : validate.errors]).toEqual([method, path, status, []]);
}

let target: Target;
const topic = uniqueName('openapi');
const group = uniqueName('openapi-group');

beforeAll(async () => {
  target = await openTarget();
});
afterAll(async () => {
  await target.client.delete(`/v1/topics/${topic}`);
  await target.close();
});

describe('GET /v1/openapi.json', () => {
  it('serves the OpenAPI 3.1 document shipped in docs/openapi.json', async () => {
    const response = await target.client.get('/v1/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    if (target.remote) {
      // A deployment may run an older build: it must still be a 3.1 document of the /v1 API.
      expect(response.body.openapi).toBe('3.1.0');
      expect(Object.keys(response.body.paths)).toContain('/v1/topics');
    } else {
      expect(response.body).toEqual(shipped);
    }
  });

  it('needs a token, like every route', async () => {
    const response = await target.client.get('/v1/openapi.json', { token: null });
    expectDocumented(response, '/v1/openapi.json', 'get', 401);
  });
});

describe('responses match the document', () => {
  const records = `/v1/topics/{topic}/records`;

  it('for topics, produce and fetch', async () => {
    const c = target.client;
    expectDocumented(await c.post('/v1/topics', { name: topic, partitions: 2, maxDeliveryAttempts: 1 }), '/v1/topics', 'post', 201);
    expectDocumented(await c.get('/v1/topics'), '/v1/topics', 'get', 200);
    expectDocumented(await c.get(`/v1/topics/${topic}`), '/v1/topics/{topic}', 'get', 200);
    expectDocumented(await c.patch(`/v1/topics/${topic}`, { retentionMs: 86_400_000 }), '/v1/topics/{topic}', 'patch', 200);
    const produced = await c.post(`/v1/topics/${topic}/records`, {
      records: [
        { key: 'k', value: { n: 1 }, headers: { h: 'v' }, partition: 0 },
        { valueBase64: 'AAEC', partition: 0 },
        { value: null, partition: 0 },
      ],
    });
    expectDocumented(produced, records, 'post', 200);
    const fetched = await c.get(`/v1/topics/${topic}/partitions/0/records?offset=0`);
    expectDocumented(fetched, '/v1/topics/{topic}/partitions/{partition}/records', 'get', 200);
    expect(fetched.body.records).toHaveLength(3);
  });

  it('for consumer groups and dead letters', async () => {
    const c = target.client;
    const poll = await c.post(`/v1/groups/${group}/poll`, { topic, consumerId: 'c1' });
    expectDocumented(poll, '/v1/groups/{group}/poll', 'post', 200);
    expect(poll.body.records.length).toBeGreaterThan(0);
    expectDocumented(
      await c.post(`/v1/groups/${group}/commit`, { topic, consumerId: 'c1', offsets: [{ partition: 0, offset: 1 }] }),
      '/v1/groups/{group}/commit',
      'post',
      200,
    );
    // maxDeliveryAttempts 1: the first nack dead-letters the record.
    const nack = await c.post(`/v1/groups/${group}/nack`, { topic, consumerId: 'c1', partition: 0, offset: 1, error: 'boom' });
    expectDocumented(nack, '/v1/groups/{group}/nack', 'post', 200);
    expect(nack.body.action).toBe('dead-lettered');
    expectDocumented(await c.get(`/v1/groups/${group}?topic=${topic}`), '/v1/groups/{group}', 'get', 200);
    const letters = await c.get(`/v1/topics/${topic}/dead-letters?group=${group}`);
    expectDocumented(letters, '/v1/topics/{topic}/dead-letters', 'get', 200);
    expect(letters.body.deadLetters).toHaveLength(1);
    expectDocumented(await c.post(`/v1/topics/${topic}/dead-letters/redrive`, { group }), '/v1/topics/{topic}/dead-letters/redrive', 'post', 200);
    expectDocumented(
      await c.delete(`/v1/groups/${group}/consumers/c1?topic=${topic}`),
      '/v1/groups/{group}/consumers/{consumerId}',
      'delete',
      204,
    );
  });

  it('for tokens', async () => {
    const c = target.client;
    const minted = await c.post('/v1/tokens', { name: uniqueName('openapi'), permissions: [{ topics: `${topic}*`, actions: ['consume'] }] });
    expectDocumented(minted, '/v1/tokens', 'post', 201);
    expectDocumented(await c.get('/v1/tokens'), '/v1/tokens', 'get', 200);
    expectDocumented(await c.delete(`/v1/tokens/${minted.body.id}`), '/v1/tokens/{id}', 'delete', 204);
  });

  it('for errors, with the codes the document lists for each status', async () => {
    const c = target.client;
    expectDocumented(await c.get(`/v1/topics/${uniqueName('missing')}`), '/v1/topics/{topic}', 'get', 404);
    expectDocumented(await c.post('/v1/topics', { name: topic, partitions: 1 }), '/v1/topics', 'post', 409);
    expectDocumented(await c.post(`/v1/topics/${topic}/records`, { records: [{}] }), records, 'post', 400);
    const outOfRange = await c.get(`/v1/topics/${topic}/partitions/0/records?offset=999`);
    expectDocumented(outOfRange, '/v1/topics/{topic}/partitions/{partition}/records', 'get', 416);
    expectDocumented(
      await c.post(`/v1/groups/${group}/commit`, { topic, consumerId: 'not-a-member', offsets: [{ partition: 0, offset: 1 }] }),
      '/v1/groups/{group}/commit',
      'post',
      409,
    );
  });
});

describe('Upstash facade responses match the document', () => {
  const upTopic = uniqueName('openapi-up');
  const upGroup = uniqueName('openapi-up-group');
  const basic = (password: string) => `Basic ${Buffer.from(`anything:${password}`).toString('base64')}`;
  /** A facade call as the `@upstash/kafka` SDK makes it: Basic credentials with the token as the password, JSON. */
  const upstash = (method: string, path: string, body?: unknown, options: RequestOptions = {}) =>
    target.client.request(method, `/upstash${path}`, {
      ...options,
      ...(body === undefined ? {} : { body }),
      token: null,
      headers: { Authorization: basic(target.client.token), ...options.headers },
    });

  beforeAll(async () => {
    expect((await target.client.post('/v1/topics', { name: upTopic, partitions: 2 })).status).toBe(201);
  });
  afterAll(async () => {
    await target.client.delete(`/v1/topics/${upTopic}`);
  });

  it('for produce, the webhook, fetch, offsets and topics', async () => {
    const one = await upstash('POST', '/produce', { topic: upTopic, value: 'one', key: 'k', partition: 0, headers: [{ key: 'h', value: 'v' }] });
    expectDocumented(one, '/upstash/produce', 'post', 200);
    const many = await upstash('POST', '/produce', [
      { topic: upTopic, value: '{"n":2}', partition: 0, timestamp: 1_700_000_000_000 },
      { topic: upTopic, value: 'three', partition: 1 },
    ]);
    expectDocumented(many, '/upstash/produce', 'post', 200);
    expect(many.body).toHaveLength(2);
    const webhook = await upstash('POST', `/webhook?topic=${upTopic}`, undefined, {
      rawBody: 'plain text',
      headers: { 'Content-Type': 'text/plain' },
    });
    expectDocumented(webhook, '/upstash/webhook', 'post', 200);
    // /v1 records (a JSON value, a binary one) read back as Upstash messages too.
    await target.client.post(`/v1/topics/${upTopic}/records`, { records: [{ value: { n: 4 }, partition: 0 }, { valueBase64: 'AAEC', partition: 0 }] });

    const fetched = await upstash('POST', '/fetch', { topic: upTopic, partition: 0, offset: 0, timeout: 0 });
    expectDocumented(fetched, '/upstash/fetch', 'post', 200);
    expect(fetched.body.length).toBeGreaterThanOrEqual(4);
    const both = await upstash('POST', '/fetch', {
      topicPartitionOffsets: [{ topic: upTopic, partition: 0, offset: 1 }, { topic: upTopic, partition: 1, offset: 0 }],
      timeout: 0,
    });
    expectDocumented(both, '/upstash/fetch', 'post', 200);
    for (const position of ['earliest', 'latest', '1700000000000']) {
      expectDocumented(await upstash('POST', `/offsets/${position}`, [{ topic: upTopic, partition: 0 }]), '/upstash/offsets/{position}', 'post', 200);
    }
    expectDocumented(await upstash('GET', '/topics'), '/upstash/topics', 'get', 200);
  });

  it('for consumer instances: consume, commit, committed, consumers and their removal', async () => {
    const instance = `/${upGroup}/i1`;
    const consumed = await upstash('POST', `/consume${instance}`, { topic: upTopic, timeout: 0 }, {
      headers: { 'Kafka-Auto-Offset-Reset': 'earliest', 'Kafka-Enable-Auto-Commit': 'false' },
    });
    expectDocumented(consumed, '/upstash/consume/{group}/{instance}', 'post', 200);
    expect(consumed.body.length).toBeGreaterThan(0);
    expectDocumented(await upstash('POST', `/commit${instance}`, { topic: upTopic, partition: 0, offset: 1 }), '/upstash/commit/{group}/{instance}', 'post', 200);
    expectDocumented(await upstash('POST', `/commit${instance}`), '/upstash/commit/{group}/{instance}', 'post', 200);
    const committed = await upstash('POST', `/committed${instance}`, [{ topic: upTopic, partition: 0 }, { topic: upTopic, partition: 1 }]);
    expectDocumented(committed, '/upstash/committed/{group}/{instance}', 'post', 200);
    expect(committed.body.map((c: Json) => c.offset)).not.toContain(-1);
    // Another group has committed nothing: -1.
    const none = await upstash('POST', `/committed/${upGroup}-other/i1`, { topic: upTopic, partition: 0 });
    expectDocumented(none, '/upstash/committed/{group}/{instance}', 'post', 200);
    expect(none.body).toEqual([{ topic: upTopic, partition: 0, offset: -1 }]);
    expectDocumented(await upstash('GET', '/consumers'), '/upstash/consumers', 'get', 200);
    expectDocumented(await upstash('POST', `/delete-consumer${instance}`), '/upstash/delete-consumer/{group}/{instance}', 'post', 200);
  });

  it('for errors, in Upstash\'s body (and in the /v1 body where API Gateway answers itself)', async () => {
    expectDocumented(await upstash('POST', '/produce', { topic: upTopic, value: { not: 'a string' } }), '/upstash/produce', 'post', 400);
    expectDocumented(await upstash('POST', '/produce', { topic: uniqueName('missing'), value: 'x' }), '/upstash/produce', 'post', 404);
    const outOfRange = await upstash('POST', '/fetch', { topic: upTopic, partition: 0, offset: 999 });
    expectDocumented(outOfRange, '/upstash/fetch', 'post', 416);
    expect(outOfRange.body).toMatchObject({ status: 416, code: 'OFFSET_OUT_OF_RANGE' });
    expectDocumented(
      await upstash('POST', `/commit/${upGroup}/never-consumed`, { topic: upTopic, partition: 0, offset: 1 }),
      '/upstash/commit/{group}/{instance}',
      'post',
      409,
    );
    expectDocumented(await upstash('POST', `/delete-consumer/${upGroup}/unknown`), '/upstash/delete-consumer/{group}/{instance}', 'post', 404);
    const wrongPassword = await upstash('GET', '/topics', undefined, { headers: { Authorization: basic('trb_0000000000000000_not-the-secret') } });
    expectDocumented(wrongPassword, '/upstash/topics', 'get', 401);
    expect(wrongPassword.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(typeof wrongPassword.body.error).toBe('string');
    const noCredentials = await target.client.get('/upstash/topics', { token: null });
    expectDocumented(noCredentials, '/upstash/topics', 'get', 401);
  });
});
