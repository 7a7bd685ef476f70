/**
 * "Reading what a token may see" (API.md): the topic list filtered by the
 * token's permissions, describe with any permission, who reads a topic
 * (`/v1/topics/{topic}/groups`) and whoami — over HTTP as a console calls them.
 */
import { expectError, uniqueName } from '../support/http';
import { useTarget } from '../support/target';

const session = useTarget('seen');

async function mint(permissions: Array<{ topics: string; actions: string[] }>): Promise<{ id: string; token: string }> {
  const response = await session.target.client.post('/v1/tokens', { name: uniqueName('narrow'), permissions });
  expect(response.status).toBe(201);
  return response.body;
}

const poll = (group: string, topic: string, consumerId: string, extra: Record<string, unknown> = {}) =>
  session.target.client.post(`/v1/groups/${group}/poll`, { topic, consumerId, autoOffsetReset: 'earliest', ...extra });

describe('GET /v1/topics with a narrow token', () => {
  it('lists only the topics the token holds some permission on, never 403', async () => {
    const mine = await session.createTopic(1);
    const other = await session.createTopic(2);
    const { token } = await mint([{ topics: mine, actions: ['produce'] }]);
    const listed = await session.target.client.get('/v1/topics', { token });
    expect(listed.status).toBe(200);
    const names = (listed.body.topics as Array<{ name: string }>).map((t) => t.name);
    expect(names).toContain(mine);
    expect(names).not.toContain(other);
    const all = await session.target.client.get('/v1/topics');
    expect((all.body.topics as Array<{ name: string }>).map((t) => t.name)).toEqual(expect.arrayContaining([mine, other]));
  });

  it('answers an empty list to a token whose patterns match no topic', async () => {
    await session.createTopic(1);
    const { token } = await mint([{ topics: 'zzz-nothing-matches-*', actions: ['consume'] }]);
    const listed = await session.target.client.get('/v1/topics', { token });
    expect(listed.status).toBe(200);
    expect(listed.body.topics).toEqual([]);
  });
});

describe('GET /v1/topics/{topic} with any permission', () => {
  it.each([['produce'], ['consume'], ['admin']])('describes the topic for a token with only %s on it', async (action) => {
    const topic = await session.createTopic(2);
    const { token } = await mint([{ topics: topic, actions: [action] }]);
    const described = await session.target.client.get(`/v1/topics/${topic}`, { token });
    expect(described.status).toBe(200);
    expect(described.body.partitions).toHaveLength(2);
  });

  it('answers 403 FORBIDDEN to a token with no permission on the topic', async () => {
    const topic = await session.createTopic(1);
    const { token } = await mint([{ topics: `${topic}-other`, actions: ['admin'] }]);
    expectError(await session.target.client.get(`/v1/topics/${topic}`, { token }), 403, 'FORBIDDEN');
  });
});

describe('GET /v1/whoami', () => {
  it('answers the token id, name and permissions, never the secret', async () => {
    const permissions = [{ topics: 'orders*', actions: ['consume'] }];
    const { id, token } = await mint(permissions);
    const me = await session.target.client.get('/v1/whoami', { token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id, name: expect.stringMatching(/^narrow-/), permissions });
    expect(me.text).not.toContain(token.split('_')[2]);
  });

  it('answers 401 without a valid token', async () => {
    expectError(await session.target.client.get('/v1/whoami', { token: null }), 401, 'UNAUTHENTICATED');
  });
});

describe('GET /v1/topics/{topic}/groups', () => {
  it('lists each consumer group reading the topic with its total lag and live members', async () => {
    const topic = await session.createTopic(2);
    const records = Array.from({ length: 10 }, (_, i) => ({ value: i, partition: i % 2 }));
    expect((await session.target.client.post(`/v1/topics/${topic}/records`, { records })).status).toBe(200);
    // "caught-up" reads and commits everything; "behind" polls with two consumers and commits nothing.
    const first = await poll('caught-up', topic, 'c1', { maxRecords: 100 });
    expect(first.status).toBe(200);
    const ends = [0, 1].map((p) => ({ partition: p, offset: 5 }));
    expect((await session.target.client.post('/v1/groups/caught-up/commit', { topic, consumerId: 'c1', offsets: ends })).status).toBe(200);
    expect((await poll('behind', topic, 'b1', { maxRecords: 1 })).status).toBe(200);
    expect((await poll('behind', topic, 'b2', { maxRecords: 1 })).status).toBe(200);

    const listed = await session.target.client.get(`/v1/topics/${topic}/groups`);
    expect(listed.status).toBe(200);
    expect(listed.body.groups).toEqual([
      { group: 'behind', type: 'consumer', lag: 10, members: 2 },
      { group: 'caught-up', type: 'consumer', lag: 0, members: 1 },
    ]);
  });

  it('lists no group for a topic nobody reads, and not the groups of another topic', async () => {
    const read = await session.createTopic(1);
    const unread = await session.createTopic(1);
    expect((await poll('g', read, 'c1')).status).toBe(200);
    const listed = await session.target.client.get(`/v1/topics/${unread}/groups`);
    expect(listed.status).toBe(200);
    expect(listed.body.groups).toEqual([]);
  });

  it('forgets the groups of a deleted topic when the name is created again', async () => {
    const topic = await session.createTopic(1);
    expect((await poll('old', topic, 'c1')).status).toBe(200);
    expect((await session.target.client.delete(`/v1/topics/${topic}`)).status).toBe(204);
    expect((await session.target.client.post('/v1/topics', { name: topic, partitions: 1 })).status).toBe(201);
    const listed = await session.target.client.get(`/v1/topics/${topic}/groups`);
    expect(listed.body.groups).toEqual([]);
  });

  it('counts a group once when many consumers join it at the same time', async () => {
    const topic = await session.createTopic(4);
    const joins = await Promise.all(Array.from({ length: 6 }, (_, i) => poll('crowd', topic, `c${i}`)));
    expect(joins.map((r) => r.status)).toEqual(Array(6).fill(200));
    const listed = await session.target.client.get(`/v1/topics/${topic}/groups`);
    expect(listed.body.groups).toEqual([{ group: 'crowd', type: 'consumer', lag: 0, members: 6 }]);
  });

  it('needs consume on the topic (403) and answers 404 for an unknown topic', async () => {
    const topic = await session.createTopic(1);
    const { token } = await mint([{ topics: topic, actions: ['produce'] }]);
    expectError(await session.target.client.get(`/v1/topics/${topic}/groups`, { token }), 403, 'FORBIDDEN');
    expectError(await session.target.client.get('/v1/topics/no-such-topic-x/groups'), 404, 'TOPIC_NOT_FOUND');
    expectError(await session.target.client.get('/v1/topics/bad%20name/groups'), 400, 'INVALID_REQUEST');
  });
});
