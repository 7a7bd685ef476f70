/** The Topics section of API.md, driven over HTTP as a client would. */
import { expectError, uniqueName } from '../support/http';
import { useTarget } from '../support/target';

const session = useTarget('topics');
const { created } = session;

async function createTopic(body: Record<string, unknown>) {
  const response = await session.target.client.post('/v1/topics', body);
  if (response.status === 201) created.push(String(body.name));
  return response;
}

describe('Topics API', () => {
  it('creates a topic (201) with defaults and describes it', async () => {
    const name = uniqueName('orders');
    const response = await createTopic({ name, partitions: 3 });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      name,
      config: { retentionMs: 604800000, retentionBytes: -1, archiveAfterMs: 3600000, maxDeliveryAttempts: 5 },
    });
    expect(response.body.partitions).toHaveLength(3);
    const described = await session.target.client.get(`/v1/topics/${name}`);
    expect(described.status).toBe(200);
    expect(described.body.partitions[2]).toMatchObject({ partition: 2, startOffset: 0, archivedOffset: 0, endOffset: 0 });
  });

  it('answers 409 TOPIC_EXISTS for a second create of the same name', async () => {
    const name = uniqueName('dup');
    expect((await createTopic({ name, partitions: 1 })).status).toBe(201);
    expectError(await createTopic({ name, partitions: 1 }), 409, 'TOPIC_EXISTS');
  });

  it.each([
    [{ name: 'bad name!', partitions: 1 }, 'name'],
    [{ name: 'x'.repeat(250), partitions: 1 }, 'name'],
    [{ name: 'ok', partitions: 0 }, 'partitions'],
    [{ name: 'ok', partitions: 1001 }, 'partitions'],
    [{ name: 'ok', partitions: 1.5 }, 'partitions'],
    [{ name: 'ok', partitions: '3' }, 'partitions'],
    [{ name: 'ok' }, 'partitions'],
    [{ name: 'ok', partitions: 1, retentionMs: -5 }, 'retentionMs'],
    [{ name: 'ok', partitions: 1, maxDeliveryAttempts: 0 }, 'maxDeliveryAttempts'],
    [{ name: 'ok', partitions: 1, colour: 'red' }, 'colour'],
  ])('answers 400 INVALID_REQUEST naming the field for %j', async (body, field) => {
    const response = expectError(await createTopic(body), 400, 'INVALID_REQUEST');
    expect(response.body.error.message).toContain(field);
  });

  it('answers 400 for a body that is not JSON, or not an object', async () => {
    expectError(await session.target.client.request('POST', '/v1/topics', { rawBody: '{"name": ' }), 400, 'INVALID_REQUEST');
    expectError(await session.target.client.request('POST', '/v1/topics', { rawBody: '[1,2]' }), 400, 'INVALID_REQUEST');
    expectError(await session.target.client.request('POST', '/v1/topics'), 400, 'INVALID_REQUEST');
  });

  it('lists topics with their partition counts', async () => {
    const name = uniqueName('listed');
    await createTopic({ name, partitions: 2 });
    const response = await session.target.client.get('/v1/topics');
    expect(response.status).toBe(200);
    expect(response.body.topics).toEqual(expect.arrayContaining([{ name, partitions: 2 }]));
  });

  it('answers 404 TOPIC_NOT_FOUND for a topic that does not exist', async () => {
    expectError(await session.target.client.get('/v1/topics/no-such-topic-here'), 404, 'TOPIC_NOT_FOUND');
    expectError(await session.target.client.patch('/v1/topics/no-such-topic-here', { retentionMs: 5 }), 404, 'TOPIC_NOT_FOUND');
    expectError(await session.target.client.delete('/v1/topics/no-such-topic-here'), 404, 'TOPIC_NOT_FOUND');
  });

  it('raises partitions and changes config with PATCH, never lowers partitions', async () => {
    const name = uniqueName('patch');
    await createTopic({ name, partitions: 2 });
    const raised = await session.target.client.patch(`/v1/topics/${name}`, { partitions: 4, retentionMs: 60000 });
    expect(raised.status).toBe(200);
    expect(raised.body.partitions).toHaveLength(4);
    expect(raised.body.config.retentionMs).toBe(60000);
    expectError(await session.target.client.patch(`/v1/topics/${name}`, { partitions: 3 }), 400, 'INVALID_REQUEST');
    expectError(await session.target.client.patch(`/v1/topics/${name}`, {}), 400, 'INVALID_REQUEST');
    expectError(await session.target.client.patch(`/v1/topics/${name}`, { name: 'other' }), 400, 'INVALID_REQUEST');
  });

  it('deletes a topic (204), after which it is gone', async () => {
    const name = uniqueName('gone');
    await createTopic({ name, partitions: 1 });
    const response = await session.target.client.delete(`/v1/topics/${name}`);
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expectError(await session.target.client.get(`/v1/topics/${name}`), 404, 'TOPIC_NOT_FOUND');
  });
});

describe('Routing and authentication', () => {
  it('answers 401 UNAUTHENTICATED without a token or with an unknown one', async () => {
    expectError(await session.target.client.get('/v1/topics', { token: null }), 401, 'UNAUTHENTICATED');
    expectError(await session.target.client.get('/v1/topics', { token: 'trb_0000000000000000_' + 'A'.repeat(43) }), 401, 'UNAUTHENTICATED');
    expectError(await session.target.client.get('/v1/topics', { token: 'garbage' }), 401, 'UNAUTHENTICATED');
  });

  it('answers unknown routes and wrong methods with 404 NOT_FOUND in the API error body', async () => {
    expectError(await session.target.client.get('/v1/nothing-here'), 404, 'NOT_FOUND');
    expectError(await session.target.client.request('PUT', '/v1/topics'), 404, 'NOT_FOUND');
    expectError(await session.target.client.get('/v2/topics'), 404, 'NOT_FOUND');
  });
});
