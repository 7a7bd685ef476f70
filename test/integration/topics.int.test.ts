/** Topic administration against DynamoDB Local: create, list, describe, change, delete. */
import { InvalidRequestError, TopicExistsError, TopicNotFoundError } from '../../lambdas/core/errors';
import { createRuntime, type Runtime } from '../../lambdas/runtime';
import { createTestTables } from '../support/backends';

let runtime: Runtime;
beforeAll(async () => {
  runtime = createRuntime((await createTestTables()).config);
});

describe('TopicService', () => {
  it('creates a topic with the documented defaults and describes its partitions', async () => {
    const created = await runtime.topics.create({ name: 'orders', partitions: 3 });
    expect(created.config).toEqual({ retentionMs: 604_800_000, retentionBytes: -1, archiveAfterMs: 3_600_000, maxDeliveryAttempts: 5 });
    await runtime.producer.produce('orders', [{ partition: 1, value: { json: '1' } }, { partition: 1, value: { json: '2' } }]);
    const described = await runtime.topics.describe('orders');
    expect(described.partitions).toEqual([
      { partition: 0, startOffset: 0, archivedOffset: 0, endOffset: 0, archivedBytes: 0, hotBytes: null },
      { partition: 1, startOffset: 0, archivedOffset: 0, endOffset: 2, archivedBytes: 0, hotBytes: null },
      { partition: 2, startOffset: 0, archivedOffset: 0, endOffset: 0, archivedBytes: 0, hotBytes: null },
    ]);
  });

  it('refuses a second topic of the same name', async () => {
    await runtime.topics.create({ name: 'dup', partitions: 1 });
    await expect(runtime.topics.create({ name: 'dup', partitions: 2 })).rejects.toBeInstanceOf(TopicExistsError);
  });

  it('creates a name exactly once when many clients race for it', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => createRuntime(runtime.config).topics.create({ name: 'race', partitions: 1 })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof TopicExistsError)).toHaveLength(9);
  });

  it('lists topics by name with their partition counts', async () => {
    await runtime.topics.create({ name: 'a-list', partitions: 2 });
    const names = (await runtime.topics.list()).map((t) => t.name);
    expect(names).toEqual([...names].sort());
    expect(await runtime.topics.list()).toEqual(expect.arrayContaining([{ name: 'a-list', partitions: 2 }]));
  });

  it('raises partitions and changes retention, but never lowers partitions', async () => {
    await runtime.topics.create({ name: 'grow', partitions: 2 });
    const grown = await runtime.topics.update('grow', { partitions: 5, retentionMs: 1000, maxDeliveryAttempts: 3 });
    expect(grown.partitions).toHaveLength(5);
    expect(grown.config).toMatchObject({ retentionMs: 1000, maxDeliveryAttempts: 3 });
    await expect(runtime.topics.update('grow', { partitions: 4 })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(runtime.topics.update('missing', { retentionMs: 5 })).rejects.toBeInstanceOf(TopicNotFoundError);
  });

  it('deletes a topic and its log; a topic created again under the name starts empty at offset 0', async () => {
    await runtime.topics.create({ name: 'phoenix', partitions: 1 });
    const producer = createRuntime(runtime.config);
    await producer.producer.produce('phoenix', [{ value: { json: '"old"' } }, { value: { json: '"old"' } }]);
    await runtime.topics.delete('phoenix');
    await expect(runtime.topics.describe('phoenix')).rejects.toBeInstanceOf(TopicNotFoundError);
    await expect(runtime.topics.delete('phoenix')).rejects.toBeInstanceOf(TopicNotFoundError);
    await runtime.topics.create({ name: 'phoenix', partitions: 1 });
    // A fresh container: no cached topic or head from the old incarnation.
    const fresh = createRuntime(runtime.config);
    expect((await fresh.producer.produce('phoenix', [{ value: { json: '"new"' } }])).results).toEqual([{ partition: 0, offset: 0 }]);
    const read = await fresh.fetcher.fetch({ topic: 'phoenix', partition: 0, position: { kind: 'earliest' }, limit: 10, waitMs: 0 });
    expect(read.records.map((r) => r.value)).toEqual([{ json: '"new"' }]);
  });
});
