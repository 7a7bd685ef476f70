/**
 * The OpenAPI description as a client meets it: `GET /v1/openapi.json`
 * serves the shipped docs/openapi.json, and real responses of every kind of
 * operation match the response schemas it declares for their status, so a
 * handler that adds, drops or renames a response field fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { uniqueName, type ApiResponse } from '../support/http';
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
  const ref = response.content?.['application/json']?.schema?.$ref as string | undefined;
  if (!ref) return undefined;
  return ajv.getSchema(`openapi.json${ref}`) ?? ajv.compile({ $ref: `openapi.json${ref}` });
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
