/**
 * Idempotency-Key is exact per partition (DESIGN.md invariant 7), against
 * DynamoDB Local and s3rver: a retry after any failure (a crash before or
 * after any store call, a 503 on one partition while others were written,
 * 40 producers contending on a partition) stores every record exactly once,
 * keeps the offsets of batches already written and answers the same
 * response as any other retry.
 */
import { randomBytes } from 'node:crypto';
import { IdempotencyKeyReusedError, UnavailableError } from '../../lambdas/core/errors';
import { PartitionLog, streamKey } from '../../lambdas/core/log/log';
import { ProduceService, type ProduceRecord, type ProduceResult } from '../../lambdas/core/log/produce';
import type { IdempotencyStore, LogStore } from '../../lambdas/core/ports';
import type { Topic } from '../../lambdas/core/types';
import { S3BlobStore } from '../../lambdas/store/blob-store';
import { DynamoIdempotencyStore } from '../../lambdas/store/idempotency';
import { DynamoLogStore } from '../../lambdas/store/log-store';
import { createTestTables, type TestTables } from '../support/backends';
import { buildEngine, InjectedFault, type Engine } from '../support/engine';

let tables: TestTables;
let admin: Engine;
let logStore: DynamoLogStore;
let claims: DynamoIdempotencyStore;
let blobs: S3BlobStore;

beforeAll(async () => {
  tables = await createTestTables();
  admin = buildEngine(tables.config);
  const { config, clients } = tables;
  logStore = new DynamoLogStore(clients.documents, config.tables.log as string, config.tables.idempotency);
  claims = new DynamoIdempotencyStore(clients.documents, config.tables.idempotency as string);
  blobs = new S3BlobStore(clients.s3, config.bucket as string);
});

const json = (value: unknown) => ({ json: JSON.stringify(value) });

/** A producer "container" (its own head cache) over the given stores. */
function producerOver(log: LogStore, idem: IdempotencyStore, now?: () => number): ProduceService {
  const partitionLog = new PartitionLog(log, blobs, { inlineBatchMaxBytes: tables.config.inlineBatchMaxBytes, ...(now ? { now } : {}) });
  return new ProduceService(admin.topics, partitionLog, undefined, now ?? Date.now, idem);
}

/**
 * Wraps both stores so that store call number `failAt` (counting every call
 * on either) throws, before it runs or after it has taken effect.
 */
function crashing(failAt: number, point: 'before' | 'after'): { producer: ProduceService; calls: () => number } {
  let calls = 0;
  function wrap<T extends object>(target: T): T {
    return new Proxy(target, {
      get(obj, prop, receiver) {
        const value = Reflect.get(obj, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const step = calls++;
          if (step === failAt && point === 'before') throw new InjectedFault(`crash before ${String(prop)}`);
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(obj, args);
          if (step === failAt && point === 'after') throw new InjectedFault(`crash after ${String(prop)}`);
          return result;
        };
      },
    });
  }
  return { producer: producerOver(wrap<LogStore>(logStore), wrap<IdempotencyStore>(claims)), calls: () => calls };
}

/** Every (value → offsets) of a partition, read straight from the log. */
async function offsetsByValue(topic: Topic, partition: number): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  let offset = 0;
  for (;;) {
    const read = await admin.log.read(topic, partition, offset, 1000, 4 * 1024 * 1024);
    for (const record of read.records) {
      const value = (record.value as { json: string }).json;
      out.set(value, [...(out.get(value) ?? []), record.offset]);
    }
    if (read.records.length === 0) return out;
    offset = read.nextOffset;
  }
}

/** A request spanning both partitions: explicit partitions, a key, and unkeyed records (sticky). */
function request(tag: string): ProduceRecord[] {
  return [
    { partition: 1, value: json(`${tag}-a`) },
    { partition: 0, value: json(`${tag}-b`) },
    { partition: 1, value: json(`${tag}-c`) },
    { key: `${tag}-key`, value: json(`${tag}-d`) },
    { value: json(`${tag}-e`) },
  ];
}

/** Asserts each record of `tag` is stored exactly once, at the offsets `result` names. */
async function expectExactlyOnce(topic: Topic, tag: string, result: ProduceResult): Promise<void> {
  const stored = new Map<string, number[]>();
  for (const partition of [0, 1]) {
    for (const [value, offsets] of await offsetsByValue(topic, partition)) {
      if (value.startsWith(`"${tag}-`)) stored.set(`${partition}:${value}`, offsets);
    }
  }
  const letters = ['a', 'b', 'c', 'd', 'e'];
  const expected = new Map(result.results.map((r, i) => [`${r.partition}:"${tag}-${letters[i]}"`, [r.offset]]));
  expect(stored).toEqual(expected);
}

async function freshTopic(): Promise<Topic> {
  const name = `idem-${randomBytes(4).toString('hex')}`;
  await admin.topics.create({ name, partitions: 2 });
  return admin.topics.getFresh(name);
}

describe('Idempotency-Key: exact per partition', () => {
  it('after a crash before or after any store call, a retry stores each record once, keeps written offsets and answers the same', async () => {
    const topic = await freshTopic();
    const other = producerOver(logStore, claims);
    let crashes = 0;
    for (const point of ['before', 'after'] as const) {
      for (let failAt = 0; ; failAt++) {
        const tag = `${point}${failAt}`;
        const key = `key-${tag}`;
        const body = request(tag);
        const fingerprint = JSON.stringify(body);
        const { producer, calls } = crashing(failAt, point);
        const first = await producer.produce(topic.name, body, { idempotencyKey: key, fingerprint }).then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        );
        if ('result' in first) {
          // Past the last store call: nothing crashed; a retry must still answer the same.
          expect(calls()).toBeLessThanOrEqual(failAt + 1);
          const again = await producerOver(logStore, claims).produce(topic.name, body, { idempotencyKey: key, fingerprint });
          expect(again).toEqual(first.result);
          await expectExactlyOnce(topic, tag, first.result);
          break;
        }
        expect(first.error).toBeInstanceOf(InjectedFault);
        crashes += 1;
        const before = [await offsetsByValue(topic, 0), await offsetsByValue(topic, 1)];
        // Other traffic moves the heads, so a rewrite would land at other offsets.
        await other.produce(topic.name, [{ partition: 0, value: json('other') }, { partition: 1, value: json('other') }]);
        const retry = await producerOver(logStore, claims).produce(topic.name, body, { idempotencyKey: key, fingerprint });
        const retryAgain = await producerOver(logStore, claims).produce(topic.name, body, { idempotencyKey: key, fingerprint });
        expect(retryAgain).toEqual(retry);
        await expectExactlyOnce(topic, tag, retry);
        // Batches written before the crash kept their offsets.
        for (const [partition, seen] of before.entries()) {
          const now = await offsetsByValue(topic, partition);
          for (const [value, offsets] of seen) if (value.startsWith(`"${tag}-`)) expect(now.get(value)).toEqual(offsets);
        }
      }
    }
    // Claim, then two partitions' writes (and head reads): at least three crash points each way.
    expect(crashes).toBeGreaterThanOrEqual(6);
  });

  it('after a forced 503 on one partition, the retry writes only that partition and answers the same offsets for the other', async () => {
    const topic = await freshTopic();
    const stuck = streamKey(topic, 0);
    // Partition 0's writes always meet a conflict; the clock runs 1 s per call so the 10 s deadline comes quickly.
    let tick = Date.now();
    const jammed = new Proxy(logStore, {
      get(obj, prop, receiver) {
        const value = Reflect.get(obj, prop, receiver) as unknown;
        if (prop === 'putBatchOnce') {
          return async (stream: string, ...rest: unknown[]) =>
            stream === stuck ? { written: false, conflict: true } : (value as (...a: unknown[]) => unknown).apply(obj, [stream, ...rest]);
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(obj) : value;
      },
    });
    const producer = producerOver(jammed, claims, () => (tick += 1000));
    const body: ProduceRecord[] = [{ partition: 1, value: json('p1') }, { partition: 0, value: json('p0') }];
    const options = { idempotencyKey: 'forced-503', fingerprint: JSON.stringify(body) };
    await expect(producer.produce(topic.name, body, options)).rejects.toBeInstanceOf(UnavailableError);
    const written = await offsetsByValue(topic, 1);
    expect(written.get('"p1"')).toEqual([0]);
    await admin.producer.produce(topic.name, [{ partition: 1, value: json('later') }]);
    const retry = await producerOver(logStore, claims).produce(topic.name, body, options);
    expect(retry.results).toEqual([
      { partition: 1, offset: 0 },
      { partition: 0, offset: 0 },
    ]);
    expect((await offsetsByValue(topic, 1)).get('"p1"')).toEqual([0]);
    expect((await offsetsByValue(topic, 0)).get('"p0"')).toEqual([0]);
  });

  it('reproduces issue 16: a 503 under 40 contending producers, then a retry, leaves every record once', async () => {
    const topic = await freshTopic();
    let stop = false;
    const contenders = Array.from({ length: 40 }, async (_, i) => {
      const producer = producerOver(logStore, claims);
      while (!stop) {
        await producer.produce(topic.name, [{ partition: 0, value: json(`load-${i}`) }]).catch(() => undefined);
      }
    });
    const outcomes: string[] = [];
    let failed: { body: ProduceRecord[]; options: { idempotencyKey: string; fingerprint: string }; attempt: number } | undefined;
    try {
      // The keyed producer's clock runs 100× fast: its 10 s contention deadline passes in about 100 ms.
      const start = Date.now();
      const fast = () => start + (Date.now() - start) * 100;
      for (let attempt = 0; attempt < 20 && !failed; attempt++) {
        const body: ProduceRecord[] = [{ partition: 1, value: json(`c${attempt}-p1`) }, { partition: 0, value: json(`c${attempt}-p0`) }];
        const options = { idempotencyKey: `contended-${attempt}`, fingerprint: JSON.stringify(body) };
        const outcome = await producerOver(logStore, claims, fast).produce(topic.name, body, options).then(
          () => '200',
          (error: unknown) => (error instanceof UnavailableError ? '503' : String(error)),
        );
        outcomes.push(outcome);
        if (outcome === '503') failed = { body, options, attempt };
      }
    } finally {
      stop = true;
      await Promise.all(contenders);
    }
    expect(outcomes).toContain('503');
    const { body, options, attempt } = failed as NonNullable<typeof failed>;
    // Partition 1's batch was written before partition 0 gave up.
    const writtenBefore = (await offsetsByValue(topic, 1)).get(`"c${attempt}-p1"`);
    expect(writtenBefore).toHaveLength(1);
    const retry = await producerOver(logStore, claims).produce(topic.name, body, options);
    expect(retry.results[0]).toEqual({ partition: 1, offset: writtenBefore![0] });
    expect((await offsetsByValue(topic, 1)).get(`"c${attempt}-p1"`)).toEqual(writtenBefore);
    expect((await offsetsByValue(topic, 0)).get(`"c${attempt}-p0"`)).toEqual([retry.results[1]!.offset]);
  });

  it('answers the same to concurrent repeats of one keyed request and stores it once', async () => {
    const topic = await freshTopic();
    const body = request('concurrent');
    const options = { idempotencyKey: 'same-time', fingerprint: JSON.stringify(body) };
    const results = await Promise.all(Array.from({ length: 8 }, () => producerOver(logStore, claims).produce(topic.name, body, options)));
    for (const result of results) expect(result).toEqual(results[0]);
    await expectExactlyOnce(topic, 'concurrent', results[0]!);
  });

  it('refuses the same key with another body (IDEMPOTENCY_KEY_REUSED), even one for other partitions, and writes nothing', async () => {
    const topic = await freshTopic();
    const first: ProduceRecord[] = [{ partition: 0, value: json('first') }];
    const second: ProduceRecord[] = [{ partition: 1, value: json('second') }];
    await admin.producer.produce(topic.name, first, { idempotencyKey: 'reused', fingerprint: JSON.stringify(first) });
    await expect(
      admin.producer.produce(topic.name, second, { idempotencyKey: 'reused', fingerprint: JSON.stringify(second) }),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect((await offsetsByValue(topic, 1)).size).toBe(0);
  });

  it('scopes a key to the topic incarnation: after delete and re-create the same key writes again', async () => {
    const topic = await freshTopic();
    const body: ProduceRecord[] = [{ partition: 0, value: json('x') }];
    const options = { idempotencyKey: 'incarnation', fingerprint: JSON.stringify(body) };
    await admin.producer.produce(topic.name, body, options);
    await admin.topics.delete(topic.name);
    await admin.topics.create({ name: topic.name, partitions: 2 });
    const again = await admin.producer.produce(topic.name, body, options);
    expect(again.results).toEqual([{ partition: 0, offset: 0 }]);
    const fresh = await admin.topics.getFresh(topic.name);
    expect((await offsetsByValue(fresh, 0)).get('"x"')).toEqual([0]);
  });
});
