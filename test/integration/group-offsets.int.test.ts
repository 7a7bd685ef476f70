/**
 * Consumer-group offsets on DynamoDB Local: commits and nacks above the end
 * offset are refused (416) and change nothing; offset reset in every mode,
 * with clamping, GROUP_ACTIVE, and a forced reset that fences the holder so
 * its racing commits can never undo the reset (invariant 4).
 */
import { GroupActiveError, NotLeaseHolderError, OffsetOutOfRangeError } from '../../lambdas/core/errors';
import type { PollRequest } from '../../lambdas/core/groups/groups';
import { buildEngine, type Engine } from '../support/engine';
import { createTestTables, type TestTables } from '../support/backends';

let tables: TestTables;
let admin: Engine;

beforeAll(async () => {
  tables = await createTestTables();
  admin = buildEngine(tables.config);
});

const json = (value: unknown) => ({ json: JSON.stringify(value) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function poll(engine: Engine, group: string, topic: string, consumerId: string, extra: Partial<PollRequest> = {}) {
  return engine.groups.poll({ group, topic, consumerId, maxRecords: 100, waitMs: 0, sessionTimeoutMs: 10_000, autoOffsetReset: 'earliest', ...extra });
}

async function committed(group: string, topic: string): Promise<Array<number | null>> {
  return (await admin.groups.describe(group, topic)).partitions.map((p) => p.committedOffset);
}

describe('range checks', () => {
  it('refuses a commit above the end offset with 416 and the range, so the next produced record still reaches the group (reproduction)', async () => {
    await admin.topics.create({ name: 'short', partitions: 1 });
    await admin.producer.produce('short', [0, 1, 2, 3].map((i) => ({ value: json(i) })));
    expect((await poll(admin, 'g', 'short', 'c')).records).toHaveLength(4);
    const refused = admin.groups.commit('g', 'short', 'c', [{ partition: 0, offset: 999 }]);
    await expect(refused).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    await expect(refused).rejects.toMatchObject({ details: { startOffset: 0, endOffset: 4 } });
    expect(await committed('g', 'short')).toEqual([0]);
    // The end offset itself is a valid commit (everything consumed).
    expect(await admin.groups.commit('g', 'short', 'c', [{ partition: 0, offset: 4 }])).toEqual([{ partition: 0, committedOffset: 4 }]);
    await admin.producer.produce('short', [{ value: json('next') }]);
    expect((await poll(admin, 'g', 'short', 'c')).records.map((r) => r.offset)).toEqual([4]);
  });

  it('refuses a multi-partition commit as a whole when one offset is out of range', async () => {
    await admin.topics.create({ name: 'pair', partitions: 2 });
    await admin.producer.produce('pair', [0, 1].flatMap((partition) => [0, 1, 2].map((i) => ({ partition, value: json(i) }))));
    await poll(admin, 'g', 'pair', 'c');
    await expect(
      admin.groups.commit('g', 'pair', 'c', [
        { partition: 0, offset: 2 },
        { partition: 1, offset: 4 },
      ]),
    ).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE', details: { startOffset: 0, endOffset: 3 } });
    expect(await committed('g', 'pair')).toEqual([0, 0]);
  });

  it('refuses a nack above the end offset with 416 and changes nothing', async () => {
    await expect(admin.groups.nack({ group: 'g', topic: 'pair', consumerId: 'c', partition: 0, offset: 3 })).rejects.toMatchObject({
      code: 'OFFSET_OUT_OF_RANGE',
      details: { startOffset: 0, endOffset: 3 },
    });
    const state = (await admin.groupStore.partitions({ group: 'g', topic: 'pair', topicId: (await admin.topics.get('pair')).topicId }, [0]))[0]!;
    expect(state).toMatchObject({ committed: 0, attempts: 0 });
  });
});

describe('offset reset', () => {
  const base = 1_700_000_000_000;

  beforeAll(async () => {
    // Two partitions of 10 records each, record i at base + i seconds; the group committed 5 on both and left.
    await admin.topics.create({ name: 'resettable', partitions: 2 });
    await admin.producer.produce(
      'resettable',
      [0, 1].flatMap((partition) => Array.from({ length: 10 }, (_, i) => ({ partition, value: json(i), timestamp: base + i * 1000 }))),
    );
    await poll(admin, 'r', 'resettable', 'c');
    await admin.groups.commit('r', 'resettable', 'c', [
      { partition: 0, offset: 5 },
      { partition: 1, offset: 5 },
    ]);
    await admin.groups.leave('r', 'resettable', 'c');
  });

  const reset = (to: Parameters<Engine['groups']['resetOffsets']>[0]['to'], extra: { partitions?: number[]; force?: boolean; dryRun?: boolean } = {}) =>
    admin.groups.resetOffsets({ group: 'r', topic: 'resettable', to, ...extra });

  it.each([
    ['earliest', 'earliest' as const, [0, 0]],
    ['latest', 'latest' as const, [10, 10]],
    ['an offset', { offset: 3 }, [3, 3]],
    ['an offset past the end (clamped)', { offset: 999 }, [10, 10]],
    ['a timestamp between records (first record at or after it)', { timestamp: base + 4500 }, [5, 5]],
    ['a timestamp on a record', { timestamp: base + 7000 }, [7, 7]],
    ['a timestamp before every record', { timestamp: 0 }, [0, 0]],
    ['a timestamp after every record (the end offset)', { timestamp: base + 60_000 }, [10, 10]],
  ])('moves the committed offsets to %s', async (_, to, expected) => {
    const result = await reset(to);
    expect(result.offsets.map((o) => o.committedOffset)).toEqual(expected);
    expect(await committed('r', 'resettable')).toEqual(expected);
  });

  it('shifts by n from the current offsets, clamped to [startOffset, endOffset]', async () => {
    await reset({ offset: 4 });
    expect((await reset({ shiftBy: -2 })).offsets.map((o) => [o.previousOffset, o.committedOffset])).toEqual([
      [4, 2],
      [4, 2],
    ]);
    expect((await reset({ shiftBy: 3 })).offsets.map((o) => o.committedOffset)).toEqual([5, 5]);
    expect((await reset({ shiftBy: -100 })).offsets.map((o) => o.committedOffset)).toEqual([0, 0]);
    expect((await reset({ shiftBy: 100 })).offsets.map((o) => o.committedOffset)).toEqual([10, 10]);
  });

  it('resets only the listed partitions', async () => {
    await reset({ offset: 6 });
    const result = await reset('earliest', { partitions: [1] });
    expect(result.offsets).toEqual([{ partition: 1, committedOffset: 0, previousOffset: 6 }]);
    expect(await committed('r', 'resettable')).toEqual([6, 0]);
  });

  it('answers a dry run with the plan and writes nothing', async () => {
    await reset({ offset: 6 });
    const plan = await reset('earliest', { dryRun: true });
    expect(plan.offsets).toEqual([
      { partition: 0, committedOffset: 0, previousOffset: 6 },
      { partition: 1, committedOffset: 0, previousOffset: 6 },
    ]);
    expect(await committed('r', 'resettable')).toEqual([6, 6]);
  });

  it('refuses with GROUP_ACTIVE while a live consumer holds a partition, unless forced; the forced reset fences the holder', async () => {
    await reset({ offset: 8 });
    const holder = buildEngine(tables.config);
    const first = await poll(holder, 'r', 'resettable', 'live');
    expect(first.records.map((r) => `${r.partition}:${r.offset}`).sort()).toEqual(['0:8', '0:9', '1:8', '1:9']);
    await expect(reset('earliest')).rejects.toBeInstanceOf(GroupActiveError);
    await expect(reset('earliest', { dryRun: true })).rejects.toMatchObject({ code: 'GROUP_ACTIVE', details: { consumers: ['live'] } });
    expect(await committed('r', 'resettable')).toEqual([8, 8]);
    expect((await reset({ offset: 2 }, { force: true })).offsets.map((o) => o.committedOffset)).toEqual([2, 2]);
    // The former holder's commit is fenced and cannot undo the reset.
    await expect(holder.groups.commit('r', 'resettable', 'live', [{ partition: 0, offset: 10 }])).rejects.toBeInstanceOf(NotLeaseHolderError);
    expect(await committed('r', 'resettable')).toEqual([2, 2]);
    // Its next poll takes the partitions again, from the reset offsets, as first deliveries.
    const again = await poll(holder, 'r', 'resettable', 'live');
    expect(again.assignment.map((a) => a.partition)).toEqual([0, 1]);
    expect(again.records.filter((r) => r.partition === 0).map((r) => r.offset)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(again.records.every((r) => r.deliveryAttempt === 1)).toBe(true);
    await holder.groups.leave('r', 'resettable', 'live');
  });

  it('resets partitions whose holder’s session expired without force', async () => {
    const silent = buildEngine(tables.config);
    await poll(silent, 'r', 'resettable', 'silent', { sessionTimeoutMs: 1000 });
    await sleep(1200);
    expect((await reset('latest')).offsets.map((o) => o.committedOffset)).toEqual([10, 10]);
    await expect(silent.groups.commit('r', 'resettable', 'silent', [{ partition: 0, offset: 3 }])).rejects.toBeInstanceOf(NotLeaseHolderError);
    expect(await committed('r', 'resettable')).toEqual([10, 10]);
  });

  it('is never undone by the holder’s commits racing a forced reset (20 rounds, concurrently; invariant 4)', async () => {
    await admin.topics.create({ name: 'contested', partitions: 1 });
    await admin.producer.produce('contested', Array.from({ length: 30 }, (_, i) => ({ value: json(i) })));
    const holder = buildEngine(tables.config);
    const resetter = buildEngine(tables.config);
    const outcomes = { committed: 0, fenced: 0 };
    for (let round = 0; round < 20; round++) {
      const { assignment } = await poll(holder, 'race', 'contested', 'h');
      expect(assignment.map((a) => a.partition)).toEqual([0]);
      const commits = (async () => {
        for (let offset = 1; offset <= 10; offset++) {
          try {
            await holder.groups.commit('race', 'contested', 'h', [{ partition: 0, offset: offset + round }]);
            outcomes.committed += 1;
          } catch (error) {
            if (!(error instanceof NotLeaseHolderError)) throw error;
            outcomes.fenced += 1;
          }
        }
      })();
      const resetDone = (async () => {
        await sleep(Math.random() * 20);
        return resetter.groups.resetOffsets({ group: 'race', topic: 'contested', to: 'earliest', force: true });
      })();
      await Promise.all([commits, resetDone]);
      expect(await committed('race', 'contested')).toEqual([0]);
    }
    // Both sides of the race happened: commits before the reset, and fenced ones after it.
    expect(outcomes.fenced).toBeGreaterThan(0);
    expect(outcomes.committed).toBeGreaterThan(0);
  });
});
