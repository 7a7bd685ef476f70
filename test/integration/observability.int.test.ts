/**
 * The engine's metrics on DynamoDB Local and s3rver: records and bytes
 * produced and polled, append conflicts between racing producers, records
 * dead-lettered, and consumer lag as polls sample it (exact at the tail, and
 * measured for a group more than one response behind).
 */
import { NO_METRICS, setMetricsSink } from '../../lambdas/core/metrics';
import { recordSize } from '../../lambdas/core/types';
import { createTestTables, type TestTables } from '../support/backends';
import { buildEngine, type Engine } from '../support/engine';
import { RecordingMetrics } from '../support/metrics';

let tables: TestTables;
let engine: Engine;
const recorder = new RecordingMetrics();
const json = (value: unknown) => ({ json: JSON.stringify(value) });

beforeAll(async () => {
  tables = await createTestTables();
  engine = buildEngine(tables.config);
});
beforeEach(() => {
  recorder.reset();
  setMetricsSink(recorder);
});
afterAll(() => setMetricsSink(NO_METRICS));

function poll(group: string, topic: string, maxRecords: number) {
  return engine.groups.poll({ group, topic, consumerId: 'c1', maxRecords, waitMs: 0, sessionTimeoutMs: 10_000, autoOffsetReset: 'earliest' });
}

describe('Engine metrics', () => {
  it('counts records and bytes produced, and conflicts when producers race for one partition', async () => {
    await engine.topics.create({ name: 'obs-produce', partitions: 1 });
    const requests = Array.from({ length: 6 }, (_, i) => [{ key: `k${i}`, value: json({ i }), headers: { h: 'v' } }]);
    await Promise.all(requests.map((records) => engine.producer.produce('obs-produce', records)));
    expect(recorder.counts.get('RecordsProduced')).toBe(6);
    const bytes = requests.flat().reduce((sum, r) => sum + recordSize({ ...r, timestamp: 0 }), 0);
    expect(recorder.counts.get('BytesProduced')).toBe(bytes);
    // Six appends started from the same head: all but one found their offset taken at least once.
    expect(recorder.counts.get('ConditionalWriteConflicts')).toBeGreaterThanOrEqual(5);
  });

  it('counts records polled by fetch and by group polls', async () => {
    await engine.topics.create({ name: 'obs-poll', partitions: 1 });
    await engine.producer.produce('obs-poll', [0, 1, 2].map((i) => ({ value: json(i) })));
    recorder.reset();
    await engine.fetcher.fetch({ topic: 'obs-poll', partition: 0, position: { kind: 'earliest' }, limit: 2, waitMs: 0 });
    expect(recorder.counts.get('RecordsPolled')).toBe(2);
    await poll('obs-poll-group', 'obs-poll', 10);
    expect(recorder.counts.get('RecordsPolled')).toBe(5);
    expect(recorder.counts.get('BytesPolled')).toBeGreaterThan(0);
  });

  it('reports the lag of a group far behind, then of the same group caught up', async () => {
    await engine.topics.create({ name: 'obs-lag', partitions: 1 });
    for (let i = 0; i < 4; i++) await engine.producer.produce('obs-lag', Array.from({ length: 50 }, (_, j) => ({ value: json(i * 50 + j) })));
    const first = await poll('obs-lag-group', 'obs-lag', 10);
    expect(first.records).toHaveLength(10);
    // The poll read 10 of 200 records: the lag is measured with one end-offset read.
    expect(recorder.lags).toEqual([['obs-lag-group', 'obs-lag', 200]]);
    await engine.groups.commit('obs-lag-group', 'obs-lag', 'c1', [{ partition: 0, offset: 195 }]);
    recorder.reset();
    const second = await poll('obs-lag-group', 'obs-lag', 10);
    expect(second.records.map((r) => r.offset)).toEqual([195, 196, 197, 198, 199]);
    expect(recorder.lags).toEqual([['obs-lag-group', 'obs-lag', 5]]);
  });

  it('counts a record dead-lettered by a nack', async () => {
    await engine.topics.create({ name: 'obs-dlq', partitions: 1, maxDeliveryAttempts: 1 });
    await engine.producer.produce('obs-dlq', [{ value: json('poison') }]);
    await poll('obs-dlq-group', 'obs-dlq', 10);
    const outcome = await engine.groups.nack({ group: 'obs-dlq-group', topic: 'obs-dlq', consumerId: 'c1', partition: 0, offset: 0, error: 'boom' });
    expect(outcome.action).toBe('dead-lettered');
    expect(recorder.counts.get('RecordsDeadLettered')).toBe(1);
  });
});
