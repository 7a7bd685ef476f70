/**
 * The delete fence (DESIGN.md invariant 7, issue 16 §5), against DynamoDB
 * Local: a producer that still holds a deleted topic (and its partitions'
 * heads) in its caches must not get a 200 for records written into the
 * deleted incarnation, where nobody could read them.
 */
import { randomBytes } from 'node:crypto';
import { TopicNotFoundError } from '../../lambdas/core/errors';
import { streamKey } from '../../lambdas/core/log/log';
import type { Topic } from '../../lambdas/core/types';
import { createTestTables, type TestTables } from '../support/backends';
import { buildEngine, type Engine } from '../support/engine';

let tables: TestTables;
let admin: Engine;

beforeAll(async () => {
  tables = await createTestTables();
  admin = buildEngine(tables.config);
});

const json = (value: unknown) => ({ json: JSON.stringify(value) });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Items of a deleted incarnation's partition that still hold records (anything but fences). */
async function recordsLeft(topic: Topic, partition: number): Promise<number> {
  const page = await admin.logStore.forward(streamKey(topic, partition), 0, 1000, { consistent: true });
  return page.items.filter((item) => !item.fenced).length;
}

describe('a produce racing a topic delete', () => {
  it('answers TOPIC_NOT_FOUND to a producer whose caches still hold the deleted topic and its heads, and leaves nothing behind', async () => {
    const name = `fence-${randomBytes(4).toString('hex')}`;
    await admin.topics.create({ name, partitions: 1 });
    const stale = buildEngine(tables.config); // another container: caches the topic and the head
    const busy = buildEngine(tables.config);
    await stale.producer.produce(name, [{ value: json('warm') }]);
    // Other writers move the head on, so the stale container's cached head points into the middle of the log.
    for (let i = 0; i < 3; i++) await busy.producer.produce(name, [{ value: json(`busy-${i}`) }]);
    const topic = await admin.topics.getFresh(name);
    await admin.topics.delete(name);
    await expect(stale.producer.produce(name, [{ value: json('after delete') }])).rejects.toBeInstanceOf(TopicNotFoundError);
    await expect(busy.producer.produce(name, [{ value: json('after delete') }])).rejects.toBeInstanceOf(TopicNotFoundError);
    expect(await recordsLeft(topic, 0)).toBe(0);
  });

  it('sends a cached producer to the new incarnation when the topic was deleted and created again', async () => {
    const name = `fence-${randomBytes(4).toString('hex')}`;
    await admin.topics.create({ name, partitions: 1 });
    const stale = buildEngine(tables.config);
    await stale.producer.produce(name, [{ value: json('old') }]);
    const old = await admin.topics.getFresh(name);
    await admin.topics.delete(name);
    await admin.topics.create({ name, partitions: 1 });
    const result = await stale.producer.produce(name, [{ value: json('new') }]);
    expect(result.results).toEqual([{ partition: 0, offset: 0 }]);
    const fetched = await admin.fetcher.fetch({ topic: name, partition: 0, position: { kind: 'offset', offset: 0 }, limit: 10, waitMs: 0 });
    expect(fetched.records.map((r) => r.value)).toEqual([json('new')]);
    expect(await recordsLeft(old, 0)).toBe(0);
  });

  it('races deletes and produces many times: no produce begun after the delete returned is acknowledged, and no record is left in a deleted log', async () => {
    const producers = Array.from({ length: 4 }, () => buildEngine(tables.config));
    let acknowledgedAfterDelete = 0;
    let notFound = 0;
    for (let round = 0; round < 6; round++) {
      const name = `race-${round}-${randomBytes(3).toString('hex')}`;
      await admin.topics.create({ name, partitions: 2 });
      await Promise.all(producers.map((p) => p.producer.produce(name, [{ value: json('warm') }])));
      const topic = await admin.topics.getFresh(name);
      let deletedAt = Number.POSITIVE_INFINITY;
      const deleting = (async () => {
        await sleep(Math.random() * 30);
        await admin.topics.delete(name);
        deletedAt = Date.now();
      })();
      const producing = producers.map(async (p, i) => {
        for (let n = 0; n < 10; n++) {
          const startedAt = Date.now();
          try {
            await p.producer.produce(name, [{ key: `k${n}`, value: json(`r${round}-${i}-${n}`) }, { partition: n % 2, value: json('x') }]);
            if (startedAt > deletedAt) acknowledgedAfterDelete += 1;
          } catch (error) {
            expect(error).toBeInstanceOf(TopicNotFoundError);
            notFound += 1;
          }
          await sleep(Math.random() * 10);
        }
      });
      await Promise.all([deleting, ...producing]);
      // Anything still holding records in the deleted incarnation would be an acknowledged record nobody can read.
      expect(await recordsLeft(topic, 0)).toBe(0);
      expect(await recordsLeft(topic, 1)).toBe(0);
    }
    expect(acknowledgedAfterDelete).toBe(0);
    expect(notFound).toBeGreaterThan(0);
  });
});
