/** The Dead letters section of API.md, driven over HTTP as a client would. */
import { expectError, uniqueName } from '../support/http';
import { useTarget } from '../support/target';

interface DeadLetter {
  id: string;
  group: string;
  partition: number;
  offset: number;
  key: string | null;
  value: unknown;
  headers: Record<string, string>;
  timestamp: number;
  deliveryAttempts: number;
  lastError: string | null;
  deadLetteredAt: number;
}
interface FetchedRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: unknown;
  headers: Record<string, string>;
}

const session = useTarget('dlq');
const { created, createTopic } = session;


const list = (topic: string, query: string) => session.target.client.get(`/v1/topics/${topic}/dead-letters?${query}`);
const redrive = (topic: string, body: unknown) => session.target.client.post(`/v1/topics/${topic}/dead-letters/redrive`, body);
const remove = (topic: string, id: string, query: string) => session.target.client.delete(`/v1/topics/${topic}/dead-letters/${id}?${query}`);

/**
 * A one-partition topic (maxDeliveryAttempts 1) whose group has dead-lettered `count` records:
 * key `k{i}`, value `{n: i}`, header `origin: test`, lastError `failure {i}`, at offsets 0…count−1.
 */
async function withDeadLetters(count: number): Promise<{ topic: string; group: string; letters: DeadLetter[] }> {
  const topic = await createTopic(1, { maxDeliveryAttempts: 1 });
  const group = uniqueName('workers');
  const records = Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: { n: i }, headers: { origin: 'test' } }));
  expect((await session.target.client.post(`/v1/topics/${topic}/records`, { records })).status).toBe(200);
  const polled = await session.target.client.post(`/v1/groups/${group}/poll`, { topic, consumerId: 'c1' });
  expect(polled.body.records).toHaveLength(count);
  for (let i = 0; i < count; i++) {
    const nacked = await session.target.client.post(`/v1/groups/${group}/nack`, { topic, consumerId: 'c1', partition: 0, offset: i, error: `failure ${i}` });
    expect(nacked.body).toEqual({ action: 'dead-lettered', deliveryAttempt: 1 });
  }
  const listed = await list(topic, `group=${group}`);
  expect(listed.status).toBe(200);
  return { topic, group, letters: listed.body.deadLetters };
}

/** Every record of every partition of `topic`. */
async function readAll(topic: string, partitions: number): Promise<FetchedRecord[]> {
  const out: FetchedRecord[] = [];
  for (let p = 0; p < partitions; p++) {
    const response = await session.target.client.get(`/v1/topics/${topic}/partitions/${p}/records?offset=0&limit=1000`);
    expect(response.status).toBe(200);
    out.push(...response.body.records);
  }
  return out;
}

const offsets = (letters: readonly DeadLetter[]) => letters.map((l) => l.offset);

describe('Listing dead letters', () => {
  it('lists every field of a dead letter, oldest first, with a null cursor at the end', async () => {
    const { topic, group, letters } = await withDeadLetters(3);
    expect(offsets(letters)).toEqual([0, 1, 2]);
    expect(letters[1]).toEqual({
      id: expect.any(String),
      group,
      partition: 0,
      offset: 1,
      key: 'k1',
      value: { n: 1 },
      headers: { origin: 'test' },
      timestamp: expect.any(Number),
      deliveryAttempts: 1,
      lastError: 'failure 1',
      deadLetteredAt: expect.any(Number),
    });
    expect(new Set(letters.map((l) => l.id)).size).toBe(3);
    expect((await list(topic, `group=${group}`)).body.cursor).toBeNull();
  });

  it('pages with limit=1, following the cursor until it is null', async () => {
    const { topic, group } = await withDeadLetters(3);
    const seen: DeadLetter[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await list(topic, `group=${group}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.status).toBe(200);
      expect(response.body.deadLetters.length).toBeLessThanOrEqual(1);
      seen.push(...response.body.deadLetters);
      cursor = response.body.cursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(offsets(seen)).toEqual([0, 1, 2]);
    expect(pages).toBeLessThanOrEqual(4); // three pages, and perhaps an empty last one
  });

  it('lists nothing for a group without dead letters', async () => {
    const { topic } = await withDeadLetters(1);
    expect((await list(topic, `group=${uniqueName('other')}`)).body).toEqual({ deadLetters: [], cursor: null });
  });

  it.each([
    ['group=ok&limit=0', 'limit'],
    ['group=ok&limit=1001', 'limit'],
    ['group=ok&cursor=not%20a%20cursor', 'cursor'],
    ['group=bad%20group', 'group'],
    ['group=ok&colour=red', 'colour'],
  ])('answers ?%s with 400 INVALID_REQUEST naming %s', async (query, field) => {
    const topic = created[0] ?? (await createTopic(1));
    const response = expectError(await list(topic, query), 400, 'INVALID_REQUEST');
    expect(response.body.error.message).toContain(field);
  });
});

describe('Redriving dead letters', () => {
  it('appends chosen ids to the source topic with x-dlq-* headers, removes them, and delivers them to the group again', async () => {
    const { topic, group, letters } = await withDeadLetters(3);
    const chosen = letters[1]!;
    const response = await redrive(topic, { group, ids: [chosen.id] });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ redriven: 1 });

    const read = await session.target.client.get(`/v1/topics/${topic}/partitions/0/records?offset=3`);
    expect(read.body.records).toHaveLength(1);
    expect(read.body.records[0]).toMatchObject({ key: 'k1', value: { n: 1 } });
    expect(read.body.records[0].headers).toEqual({
      origin: 'test',
      'x-dlq-topic': topic,
      'x-dlq-group': group,
      'x-dlq-partition': '0',
      'x-dlq-offset': '1',
      'x-dlq-error': 'failure 1',
      'x-dlq-timestamp': String(chosen.timestamp),
    });
    expect(offsets((await list(topic, `group=${group}`)).body.deadLetters)).toEqual([0, 2]);

    const polled = await session.target.client.post(`/v1/groups/${group}/poll`, { topic, consumerId: 'c1' });
    expect(polled.body.records.map((r: FetchedRecord) => [r.offset, r.headers['x-dlq-offset']])).toEqual([[3, '1']]);
  });

  it('redrives an id only once: a second redrive of it appends nothing', async () => {
    const { topic, group, letters } = await withDeadLetters(2);
    expect((await redrive(topic, { group, ids: [letters[0]!.id] })).body).toEqual({ redriven: 1 });
    expect((await redrive(topic, { group, ids: [letters[0]!.id] })).body).toEqual({ redriven: 0 });
    expect((await session.target.client.get(`/v1/topics/${topic}`)).body.partitions[0].endOffset).toBe(3);
  });

  it('appends all of a group’s dead letters to a targetTopic and leaves the source topic alone', async () => {
    const { topic, group } = await withDeadLetters(3);
    const targetTopic = await createTopic(2);
    expect((await redrive(topic, { group, targetTopic })).body).toEqual({ redriven: 3 });
    const moved = await readAll(targetTopic, 2);
    expect(moved.map((r) => r.headers['x-dlq-offset']).sort()).toEqual(['0', '1', '2']);
    expect(moved.every((r) => r.headers['x-dlq-topic'] === topic && r.headers['x-dlq-group'] === group)).toBe(true);
    expect(moved.map((r) => r.value)).toEqual(expect.arrayContaining([{ n: 0 }, { n: 1 }, { n: 2 }]));
    expect((await list(topic, `group=${group}`)).body.deadLetters).toEqual([]);
    expect((await session.target.client.get(`/v1/topics/${topic}`)).body.partitions[0].endOffset).toBe(3);
  });

  it.each([
    ['the same ids', true],
    ['all of the group’s letters', false],
  ])('appends each record exactly once when two redrives of %s race', async (_, byIds) => {
    const { topic, group, letters } = await withDeadLetters(12);
    const targetTopic = await createTopic(1);
    const body = { group, targetTopic, ...(byIds ? { ids: letters.map((l) => l.id) } : {}) };
    const [a, b] = await Promise.all([redrive(topic, body), redrive(topic, body)]);
    expect([a!.status, b!.status]).toEqual([200, 200]);
    expect(a!.body.redriven + b!.body.redriven).toBe(12);
    const moved = await readAll(targetTopic, 1);
    expect(moved.map((r) => Number(r.headers['x-dlq-offset'])).sort((x, y) => x - y)).toEqual(offsets(letters));
    expect((await list(topic, `group=${group}`)).body.deadLetters).toEqual([]);
  });

  it('keeps and redrives a dead letter too large to store inline, intact', async () => {
    const topic = await createTopic(1, { maxDeliveryAttempts: 1 });
    const big = { text: 'z'.repeat(100_000) };
    const binary = Buffer.alloc(50_000, 7).toString('base64');
    await session.target.client.post(`/v1/topics/${topic}/records`, { records: [{ key: 'big', value: big }, { valueBase64: binary }] });
    const group = uniqueName('big');
    await session.target.client.post(`/v1/groups/${group}/poll`, { topic, consumerId: 'c1' });
    for (const offset of [0, 1]) await session.target.client.post(`/v1/groups/${group}/nack`, { topic, consumerId: 'c1', partition: 0, offset });
    const listed = (await list(topic, `group=${group}`)).body.deadLetters as DeadLetter[];
    expect(listed.map((l) => [l.offset, l.key, l.lastError])).toEqual([[0, 'big', null], [1, null, null]]);
    expect(listed[0]!.value).toEqual(big);
    expect((listed[1] as unknown as { valueBase64: string }).valueBase64).toBe(binary);
    expect((await redrive(topic, { group })).body).toEqual({ redriven: 2 });
    const read = await session.target.client.get(`/v1/topics/${topic}/partitions/0/records?offset=2`);
    expect(read.body.records.map((r: { value?: unknown; valueBase64?: string }) => r.value ?? r.valueBase64)).toEqual([big, binary]);
    expect(read.body.records[0].headers['x-dlq-error']).toBe('');
  });

  it.each([
    [{}, 'group'],
    [{ group: 'bad group' }, 'group'],
    [{ group: 'g', ids: [] }, 'ids'],
    [{ group: 'g', ids: 'x' }, 'ids'],
    [{ group: 'g', ids: [42] }, 'ids[0]'],
    [{ group: 'g', targetTopic: 'bad name!' }, 'targetTopic'],
    [{ group: 'g', colour: 'red' }, 'colour'],
  ])('answers a redrive with %j 400 INVALID_REQUEST naming %s', async (body, field) => {
    const topic = created[0] ?? (await createTopic(1));
    const response = expectError(await redrive(topic, body), 400, 'INVALID_REQUEST');
    expect(response.body.error.message).toContain(field);
  });

  it('answers 404 TOPIC_NOT_FOUND for an unknown targetTopic and keeps the dead letters', async () => {
    const { topic, group } = await withDeadLetters(1);
    expectError(await redrive(topic, { group, targetTopic: 'no-such-topic-xyz' }), 404, 'TOPIC_NOT_FOUND');
    expect((await list(topic, `group=${group}`)).body.deadLetters).toHaveLength(1);
  });
});

describe('Deleting dead letters', () => {
  it('deletes one dead letter (204), then answers 404 NOT_FOUND for it', async () => {
    const { topic, group, letters } = await withDeadLetters(2);
    const deleted = await remove(topic, letters[0]!.id, `group=${group}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect(offsets((await list(topic, `group=${group}`)).body.deadLetters)).toEqual([1]);
    expectError(await remove(topic, letters[0]!.id, `group=${group}`), 404, 'NOT_FOUND');
    expectError(await remove(topic, letters[1]!.id, `group=${uniqueName('other')}`), 404, 'NOT_FOUND');
    expectError(await remove(topic, 'no-such-id', `group=${group}`), 404, 'NOT_FOUND');
  });

  it('answers 400 naming group when ?group is missing or malformed', async () => {
    const { topic, letters } = await withDeadLetters(1);
    const missing = expectError(await session.target.client.delete(`/v1/topics/${topic}/dead-letters/${letters[0]!.id}`), 400, 'INVALID_REQUEST');
    expect(missing.body.error.message).toContain('group');
    const bad = expectError(await remove(topic, letters[0]!.id, 'group=bad%20group'), 400, 'INVALID_REQUEST');
    expect(bad.body.error.message).toContain('group');
    expect((await session.target.client.get(`/v1/topics/${topic}/dead-letters`)).body.deadLetters).toHaveLength(1);
  });
});

describe('Unknown topics', () => {
  it('answers 404 TOPIC_NOT_FOUND to list, redrive and delete on a topic that does not exist', async () => {
    const missing = 'no-such-topic-xyz';
    expectError(await list(missing, 'group=g'), 404, 'TOPIC_NOT_FOUND');
    expectError(await redrive(missing, { group: 'g' }), 404, 'TOPIC_NOT_FOUND');
    expectError(await remove(missing, 'some-id', 'group=g'), 404, 'TOPIC_NOT_FOUND');
  });
});
