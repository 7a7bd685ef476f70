/**
 * The retry sweep runs only while retry notes exist (on AWS: the
 * dispatcher's EventBridge rule is enabled by the first note and disabled by
 * a sweep that finds none left), on real tables. The schedule here is a
 * model of the rule: a flag that `wake` sets and `sleep` clears, each after
 * a random delay, as API calls land in any order. The invariant: whenever a
 * note remains, the schedule is awake.
 */
import type { Config } from '../../lambdas/config';
import { DeliveryService } from '../../lambdas/core/delivery/delivery';
import { SubscriptionDispatcher } from '../../lambdas/core/delivery/dispatcher';
import type { SubscriptionKey, SweepSchedule } from '../../lambdas/core/delivery/types';
import { presentRecord } from '../../lambdas/http/present';
import { createStoreClients } from '../../lambdas/store/clients';
import { RoutingTarget } from '../../lambdas/store/delivery-target';
import { LambdaTarget } from '../../lambdas/store/lambda-target';
import { DynamoSubscriptionStore } from '../../lambdas/store/subscription-store';
import { WebhookTarget } from '../../lambdas/store/webhook-target';
import { createTestTables } from '../support/backends';
import { buildEngine, type Engine } from '../support/engine';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The rule's model: awake or not, and what was asked of it. */
class ModelSchedule implements SweepSchedule {
  awake = false;
  wakes = 0;
  sleeps = 0;
  /** Runs inside `sleep`, before the rule is off (a writer racing the sweep). */
  beforeSleepLands: (() => Promise<void>) | undefined;

  constructor(private readonly jitterMs = 0) {}

  async wake(): Promise<void> {
    this.wakes += 1;
    await pause(Math.random() * this.jitterMs);
    this.awake = true;
  }

  async sleep(): Promise<void> {
    this.sleeps += 1;
    await pause(Math.random() * this.jitterMs);
    await this.beforeSleepLands?.();
    this.awake = false;
  }
}

let config: Config;
let engine: Engine;

beforeAll(async () => {
  ({ config } = await createTestTables());
  engine = buildEngine(config);
});

/** A store and a dispatcher sharing one schedule; the notes point at subscriptions that do not exist, so a sweep just clears them. */
function build(schedule: ModelSchedule): { store: DynamoSubscriptionStore; dispatcher: SubscriptionDispatcher } {
  const store = new DynamoSubscriptionStore(createStoreClients(config).documents, config.tables.groups!, config.tables.deadLetters, schedule);
  const target = new RoutingTarget(new WebhookTarget({ allowLoopback: true, lambdaArnPatterns: [] }), new LambdaTarget(() => {
    throw new Error('no Lambda in this test');
  }, []));
  const delivery = new DeliveryService(store, engine.topics, engine.log, engine.blobs, target, {
    inlineMaxBytes: config.inlineBatchMaxBytes,
    present: presentRecord,
  });
  return { store, dispatcher: new SubscriptionDispatcher(engine.topics, store, delivery, schedule) };
}

const key = (n: number): SubscriptionKey => ({ topic: `gone-${n}`, topicId: 'no-such-incarnation', name: 'sub' });

/** Sweeps until no note is left (notes of missing subscriptions are cleared by the first sweep that finds them due). */
async function drain(dispatcher: SubscriptionDispatcher, store: DynamoSubscriptionStore): Promise<void> {
  for (let i = 0; i < 5 && (await store.retryNotes()).length > 0; i++) await dispatcher.sweep();
  await dispatcher.sweep();
}

describe('The retry sweep runs only while retry notes exist', () => {
  it('is woken by the first note of a partition, not by one that replaces it, and sleeps when the sweep leaves none', async () => {
    const schedule = new ModelSchedule();
    const { store, dispatcher } = build(schedule);
    await drain(dispatcher, store);
    const before = { wakes: schedule.wakes, sleeps: schedule.sleeps };
    expect(schedule.awake).toBe(false);

    await store.scheduleRetry(key(1), 0, Date.now() + 60_000);
    await store.scheduleRetry(key(1), 0, Date.now() + 30_000);
    expect([schedule.wakes - before.wakes, schedule.awake]).toEqual([1, true]);
    await store.scheduleRetry(key(1), 1, Date.now() + 60_000);
    expect(schedule.wakes - before.wakes).toBe(2);

    // Nothing is due: the notes stay, and so does the schedule.
    expect(await dispatcher.sweep()).toBe(0);
    expect([schedule.sleeps - before.sleeps, schedule.awake]).toEqual([0, true]);

    await store.scheduleRetry(key(1), 0, Date.now() - 1);
    await store.scheduleRetry(key(1), 1, Date.now() - 1);
    expect(await dispatcher.sweep()).toBe(2);
    expect(await store.retryNotes()).toEqual([]);
    expect([schedule.sleeps - before.sleeps, schedule.awake]).toEqual([1, false]);
  });

  it('wakes again when a note was written between the sweep\'s look and its sleep', async () => {
    const schedule = new ModelSchedule();
    const { store, dispatcher } = build(schedule);
    await drain(dispatcher, store);
    // The writer's note and its wake-up land before the sweep's sleep does.
    schedule.beforeSleepLands = async () => {
      schedule.beforeSleepLands = undefined;
      await store.scheduleRetry(key(2), 0, Date.now() + 60_000);
    };
    const wakes = schedule.wakes;
    await dispatcher.sweep();
    expect(await store.retryNotes()).toHaveLength(1);
    expect(schedule.awake).toBe(true);
    expect(schedule.wakes - wakes).toBe(2);
    await store.clearRetry(key(2), 0, (await store.retryNotes())[0]!.dueAt);
  });

  it('is awake whenever a note remains, with writers and sweeps racing', async () => {
    const schedule = new ModelSchedule(8);
    const { store, dispatcher } = build(schedule);
    await drain(dispatcher, store);
    let checked = 0;
    for (let round = 0; round < 25; round++) {
      const writers = Array.from({ length: 4 }, async (_, w) => {
        await pause(Math.random() * 15);
        // Some notes are due now (a sweep may take them), some later (they stay).
        const due = Math.random() < 0.5 ? Date.now() - 1 : Date.now() + 60_000;
        await store.scheduleRetry(key(100 + w), round, due);
      });
      const sweeps = Array.from({ length: 2 }, async () => {
        await pause(Math.random() * 15);
        await dispatcher.sweep();
      });
      await Promise.all([...writers, ...sweeps]);
      const notes = await store.retryNotes();
      if (notes.length > 0) {
        expect(schedule.awake).toBe(true);
        checked += 1;
      }
      // Later notes are cleared now and then so that sweeps also find nothing left.
      if (round % 5 === 4) for (const note of notes) await store.clearRetry(note.key, note.partition, note.dueAt);
    }
    expect(checked).toBeGreaterThan(0);
    expect(schedule.sleeps).toBeGreaterThan(0);
    await drain(dispatcher, store);
    expect([await store.retryNotes(), schedule.awake]).toEqual([[], false]);
  });
});
