/**
 * Dead letters on DynamoDB Local: racing redrives, and failures injected
 * between the steps of nack-to-DLQ and of redrive. Nothing may be lost and
 * nothing duplicated.
 */
import { InvalidRequestError } from '../../lambdas/core/errors';
import type { PositionedRecord } from '../../lambdas/core/types';
import { buildEngine, InjectedFault, type Engine } from '../support/engine';
import { createTestTables, type TestTables } from '../support/backends';

let tables: TestTables;
let admin: Engine;

beforeAll(async () => {
  tables = await createTestTables();
  admin = buildEngine(tables.config);
});

const json = (value: unknown) => ({ json: JSON.stringify(value) });

/** Creates a topic whose first `count` records are dead letters of `group`. */
async function deadLettered(topic: string, group: string, count: number, engine = admin): Promise<void> {
  await engine.topics.create({ name: topic, partitions: 1, maxDeliveryAttempts: 1 });
  await engine.producer.produce(topic, Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: json(i) })));
  for (let offset = 0; offset < count; offset++) {
    await engine.groups.poll({ group, topic, consumerId: 'w', maxRecords: 1, waitMs: 0, sessionTimeoutMs: 30_000, autoOffsetReset: 'earliest' });
    const outcome = await engine.groups.nack({ group, topic, consumerId: 'w', partition: 0, offset, error: `bad ${offset}` });
    expect(outcome.action).toBe('dead-lettered');
  }
}

async function readAll(topic: string): Promise<PositionedRecord[]> {
  const out = await admin.log.read(await admin.topics.get(topic), 0, 0, 1000, 10 * 1024 * 1024);
  return out.records;
}

const originOffsets = (records: readonly PositionedRecord[]) =>
  records.filter((r) => r.headers['x-dlq-offset'] !== undefined).map((r) => Number(r.headers['x-dlq-offset'])).sort((a, b) => a - b);

describe('redrive', () => {
  it('appends each dead letter once with its origin in headers, and removes it', async () => {
    await deadLettered('orders', 'billing', 3);
    await admin.topics.create({ name: 'orders-retry', partitions: 1 });
    const redriven = await admin.deadLetters.redrive('orders', 'billing', undefined, 'orders-retry');
    expect(redriven).toBe(3);
    const records = await readAll('orders-retry');
    expect(records.map((r) => r.value)).toEqual([json(0), json(1), json(2)]);
    expect(records[1]!.headers).toMatchObject({
      'x-dlq-topic': 'orders',
      'x-dlq-group': 'billing',
      'x-dlq-partition': '0',
      'x-dlq-offset': '1',
      'x-dlq-error': 'bad 1',
    });
    expect(records[1]!.key).toBe('k1');
    expect((await admin.deadLetters.list('orders', 'billing', 10, undefined)).deadLetters).toEqual([]);
  });

  it('appends each record exactly once when two redrives of the same dead letters race', async () => {
    await deadLettered('race', 'g', 12);
    const [a, b] = await Promise.all([
      buildEngine(tables.config).deadLetters.redrive('race', 'g', undefined, undefined),
      buildEngine(tables.config).deadLetters.redrive('race', 'g', undefined, undefined),
    ]);
    expect(a + b).toBe(12);
    expect(originOffsets(await readAll('race'))).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('redrives only the listed ids', async () => {
    await deadLettered('picked', 'g', 3);
    const { deadLetters } = await admin.deadLetters.list('picked', 'g', 10, undefined);
    expect(await admin.deadLetters.redrive('picked', 'g', [deadLetters[2]!.id, 'no-such-id'], undefined)).toBe(1);
    expect(originOffsets(await readAll('picked'))).toEqual([2]);
    expect((await admin.deadLetters.list('picked', 'g', 10, undefined)).deadLetters.map((d) => d.offset)).toEqual([0, 1]);
  });

  it.each(['before', 'after'] as const)(
    'loses and duplicates nothing when the append transaction fails %s it runs, then the redrive is repeated',
    async (point) => {
      const topic = `crash-${point}`;
      const engine = buildEngine(tables.config);
      await deadLettered(topic, 'g', 4, engine);
      engine.logFaults.arm('putBatchAtomically', point);
      await expect(engine.deadLetters.redrive(topic, 'g', undefined, undefined)).rejects.toBeInstanceOf(InjectedFault);
      const left = (await admin.deadLetters.list(topic, 'g', 10, undefined)).deadLetters.length;
      // Before: nothing happened. After: the transaction committed, so the letters are gone with the append.
      expect(left).toBe(point === 'before' ? 4 : 0);
      expect(originOffsets(await readAll(topic))).toHaveLength(point === 'before' ? 0 : 4);
      await buildEngine(tables.config).deadLetters.redrive(topic, 'g', undefined, undefined);
      expect(originOffsets(await readAll(topic))).toEqual([0, 1, 2, 3]);
      expect((await admin.deadLetters.list(topic, 'g', 10, undefined)).deadLetters).toEqual([]);
    },
  );
});

describe('topic incarnations', () => {
  it('does not show or redrive the dead letters of a deleted topic in a new topic of the same name', async () => {
    await deadLettered('reborn', 'g', 2);
    await admin.topics.delete('reborn');
    await admin.topics.create({ name: 'reborn', partitions: 1 });
    const fresh = buildEngine(tables.config);
    expect((await fresh.deadLetters.list('reborn', 'g', 10, undefined)).deadLetters).toEqual([]);
    expect(await fresh.deadLetters.redrive('reborn', 'g', undefined, undefined)).toBe(0);
  });
});

describe('nack to the dead-letter table under failures', () => {
  it.each(['before', 'after'] as const)(
    'keeps the record exactly once (in the log or in the DLQ) when the DLQ transaction fails %s it runs',
    async (point) => {
      const topic = `nack-crash-${point}`;
      const engine = buildEngine(tables.config);
      await engine.topics.create({ name: topic, partitions: 1, maxDeliveryAttempts: 1 });
      await engine.producer.produce(topic, [{ value: json('poison') }, { value: json('next') }]);
      const poll = () =>
        engine.groups.poll({ group: 'g', topic, consumerId: 'w', maxRecords: 10, waitMs: 0, sessionTimeoutMs: 30_000, autoOffsetReset: 'earliest' });
      await poll();
      engine.groupFaults.arm('deadLetter', point);
      const nack = () => engine.groups.nack({ group: 'g', topic, consumerId: 'w', partition: 0, offset: 0, error: 'x' });
      await expect(nack()).rejects.toBeInstanceOf(InjectedFault);
      if (point === 'before') {
        // Nothing moved: the record is still delivered, and a repeated nack dead-letters it.
        expect((await poll()).records.map((r) => r.offset)).toEqual([0, 1]);
        expect((await nack()).action).toBe('dead-lettered');
      } else {
        // The transaction committed: the record is in the DLQ and the group moved past it;
        // repeating the nack is refused rather than dead-lettering it twice.
        await expect(nack()).rejects.toBeInstanceOf(InvalidRequestError);
      }
      expect((await poll()).records.map((r) => r.offset)).toEqual([1]);
      const { deadLetters } = await admin.deadLetters.list(topic, 'g', 10, undefined);
      expect(deadLetters.map((d) => d.offset)).toEqual([0]);
    },
  );

  it('keeps the retry count when recording a failed delivery fails before it runs', async () => {
    const engine = buildEngine(tables.config);
    await engine.topics.create({ name: 'retry-crash', partitions: 1, maxDeliveryAttempts: 5 });
    await engine.producer.produce('retry-crash', [{ value: json(1) }]);
    await engine.groups.poll({ group: 'g', topic: 'retry-crash', consumerId: 'w', maxRecords: 1, waitMs: 0, sessionTimeoutMs: 30_000, autoOffsetReset: 'earliest' });
    engine.groupFaults.arm('recordFailure', 'before');
    const nack = () => engine.groups.nack({ group: 'g', topic: 'retry-crash', consumerId: 'w', partition: 0, offset: 0 });
    await expect(nack()).rejects.toBeInstanceOf(InjectedFault);
    expect(await nack()).toEqual({ action: 'retry', deliveryAttempt: 1 });
  });
});
