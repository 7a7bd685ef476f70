/**
 * Invariant 9 under concurrency and crashes, on real tables with a real
 * loopback receiver: dispatchers racing on one partition never have two
 * batches of it in flight at once and never deliver a batch twice; a
 * dispatcher that dies between the receiver's 2xx and its commit leaves the
 * batch to be sent again under the same webhook-id.
 */
import type { Config } from '../../lambdas/config';
import { DeliveryService, LEASE_MS } from '../../lambdas/core/delivery/delivery';
import { SubscriptionService } from '../../lambdas/core/delivery/subscriptions';
import type { Subscription } from '../../lambdas/core/delivery/types';
import { presentRecord } from '../../lambdas/http/present';
import { metered } from '../../lambdas/observability/capacity-meter';
import { createStoreClients } from '../../lambdas/store/clients';
import { RoutingTarget } from '../../lambdas/store/delivery-target';
import { LambdaTarget } from '../../lambdas/store/lambda-target';
import { DynamoSubscriptionStore } from '../../lambdas/store/subscription-store';
import { WebhookTarget } from '../../lambdas/store/webhook-target';
import { createTestTables } from '../support/backends';
import { buildEngine, type Engine } from '../support/engine';
import { uniqueName } from '../support/http';
import { WebhookReceiver } from '../support/webhook-receiver';

let config: Config;
let engine: Engine;
let store: DynamoSubscriptionStore;
let receiver: WebhookReceiver;

const policy = { allowLoopback: true, lambdaArnPatterns: [] };

function dispatcher(options: { now?: () => number; afterDelivery?: () => void } = {}): DeliveryService {
  const target = new RoutingTarget(new WebhookTarget(policy), new LambdaTarget(() => {
    throw new Error('no Lambda in this test');
  }, []));
  return new DeliveryService(store, engine.topics, engine.log, engine.blobs, target, {
    inlineMaxBytes: config.inlineBatchMaxBytes,
    present: presentRecord,
    ...(options.now ? { now: options.now } : {}),
    ...(options.afterDelivery ? { afterDelivery: options.afterDelivery } : {}),
  });
}

async function setUp(maxBatchRecords: number): Promise<{ subscription: Subscription; topicName: string }> {
  const topicName = uniqueName('race');
  await engine.topics.create({ name: topicName, partitions: 1 });
  const service = new SubscriptionService(engine.topics, engine.log, store, async () => undefined);
  const subscription = await service.create({
    topic: topicName,
    name: 'sub',
    target: { type: 'https', url: `${receiver.url}/hook` },
    maxBatchRecords,
    startFrom: 'earliest',
  });
  return { subscription, topicName };
}

beforeAll(async () => {
  ({ config } = await createTestTables());
  engine = buildEngine(config);
  store = new DynamoSubscriptionStore(createStoreClients(config).documents, config.tables.groups!, config.tables.deadLetters);
});
beforeEach(async () => {
  receiver = await new WebhookReceiver().start();
});
afterEach(async () => {
  await receiver.stop();
});

describe('Push delivery under concurrency', () => {
  it('never has two batches of a partition in flight, nor delivers one twice, however many dispatchers race', async () => {
    const { subscription, topicName } = await setUp(3);
    let inFlight = 0;
    let maxInFlight = 0;
    receiver.respond = async () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 30));
      inFlight -= 1;
      return 200;
    };
    const dispatchers = Array.from({ length: 6 }, () => dispatcher());
    for (let round = 0; round < 4; round++) {
      await engine.producer.produce(topicName, Array.from({ length: 5 }, (_, i) => ({ value: { json: String(round * 5 + i) }, headers: {}, timestamp: Date.now(), partition: 0 })));
      const topic = await engine.topics.get(topicName);
      // Several wake-ups at once, as a stream batch retried beside a sweep would cause.
      await Promise.all(dispatchers.map((d) => d.deliverPartition(subscription, topic, 0, (round + 1) * 5)));
    }
    const topic = await engine.topics.get(topicName);
    await dispatchers[0]!.deliverPartition(subscription, topic, 0);
    expect(maxInFlight).toBe(1);
    expect(receiver.delivered().map((r) => r.offset)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const ids = receiver.deliveries.map((d) => String(d.headers['webhook-id']));
    expect(new Set(ids).size).toBe(ids.length);
    expect((await store.state({ topic: topicName, topicId: topic.topicId, name: 'sub' }, 0)).committed).toBe(20);
  });

  it('sends the same batch under the same webhook-id again after a crash between the 2xx and the commit', async () => {
    const { subscription, topicName } = await setUp(100);
    await engine.producer.produce(topicName, [0, 1, 2].map((n) => ({ value: { json: String(n) }, headers: {}, timestamp: Date.now(), partition: 0 })));
    const topic = await engine.topics.get(topicName);
    let crash = true;
    const crashing = dispatcher({
      afterDelivery: () => {
        if (crash) throw new Error('the dispatcher died here');
      },
    });
    await expect(crashing.deliverPartition(subscription, topic, 0)).rejects.toThrow('died here');
    crash = false;
    // Later records arrive meanwhile; they must not join the batch already sent.
    await engine.producer.produce(topicName, [{ value: { json: '3' }, headers: {}, timestamp: Date.now(), partition: 0 }]);
    // While the dead dispatcher's lease lasts, nobody sends.
    expect(await dispatcher().deliverPartition(subscription, topic, 0)).toBe('busy');
    expect(receiver.deliveries).toHaveLength(1);
    const later = dispatcher({ now: () => Date.now() + LEASE_MS + 1000 });
    await later.deliverPartition(subscription, topic, 0);
    const [first, second, third] = receiver.deliveries;
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(second!.body.records.map((r) => r.offset)).toEqual([0, 1, 2]);
    expect(third!.headers['webhook-id']).not.toBe(first!.headers['webhook-id']);
    expect(third!.body.records.map((r) => r.offset)).toEqual([3]);
    // The crashed dispatcher was fenced: its late commit changes nothing.
    const state = await store.state({ topic: topicName, topicId: topic.topicId, name: 'sub' }, 0);
    expect(state.committed).toBe(4);
    expect(await store.commit({ topic: topicName, topicId: topic.topicId, name: 'sub' }, 0, state.epoch - 1, 3)).toBe(false);
  });

  it('writes once per batch while records keep coming: the commit records the next batch', async () => {
    const { subscription, topicName } = await setUp(100);
    await engine.producer.produce(topicName, Array.from({ length: 300 }, (_, n) => ({ value: { json: String(n) }, headers: {}, timestamp: Date.now(), partition: 0 })));
    const topic = await engine.topics.get(topicName);
    const { result, meter } = await metered(() => dispatcher().deliverPartition(subscription, topic, 0));
    expect(result).toBe('idle');
    expect(receiver.deliveries.map((d) => d.body.records.length)).toEqual([100, 100, 100]);
    // The claim, two commits that each took the next batch, and the last commit (which frees the lease).
    expect(meter.snapshot().dynamodbByOperation.UpdateItem).toBe(4);
    const state = await store.state({ topic: topicName, topicId: topic.topicId, name: 'sub' }, 0);
    expect([state.committed, state.holder, state.batch]).toEqual([300, undefined, undefined]);
  });

  it('after a crash, sends the batch a commit took again under the same webhook-id', async () => {
    const { subscription, topicName } = await setUp(2);
    await engine.producer.produce(topicName, [0, 1, 2, 3].map((n) => ({ value: { json: String(n) }, headers: {}, timestamp: Date.now(), partition: 0 })));
    const topic = await engine.topics.get(topicName);
    let deliveries = 0;
    const crashing = dispatcher({
      afterDelivery: () => {
        if (++deliveries === 2) throw new Error('the dispatcher died here');
      },
    });
    await expect(crashing.deliverPartition(subscription, topic, 0)).rejects.toThrow('died here');
    const key = { topic: topicName, topicId: topic.topicId, name: 'sub' };
    const pending = await store.state(key, 0);
    expect([pending.committed, pending.batch?.end]).toEqual([2, 4]);
    await dispatcher({ now: () => Date.now() + LEASE_MS + 1000 }).deliverPartition(subscription, topic, 0);
    const [first, second, third] = receiver.deliveries;
    expect(first!.body.records.map((r) => r.offset)).toEqual([0, 1]);
    expect(third!.headers['webhook-id']).toBe(second!.headers['webhook-id']);
    expect(third!.body.records.map((r) => r.offset)).toEqual([2, 3]);
    expect((await store.state(key, 0)).committed).toBe(4);
  });

  it('moves the committed offset and writes the dead letter together, or not at all', async () => {
    const { subscription, topicName } = await setUp(1);
    receiver.respond = () => 500;
    await engine.producer.produce(topicName, [{ value: { json: '"poison"' }, headers: {}, timestamp: Date.now(), partition: 0 }]);
    const topic = await engine.topics.get(topicName);
    let clock = Date.now();
    const d = dispatcher({ now: () => clock });
    const key = { topic: topicName, topicId: topic.topicId, name: 'sub' };
    for (let attempt = 1; attempt < 5; attempt++) {
      expect(await d.deliverPartition(subscription, topic, 0)).toBe('retrying');
      const state = await store.state(key, 0);
      expect([state.committed, state.batch?.attempts, state.lastError]).toEqual([0, attempt, 'HTTP 500']);
      clock = state.nextAttemptAt! + 1;
    }
    // The fifth failure (the topic's maxDeliveryAttempts) dead-letters it and moves on.
    expect(await d.deliverPartition(subscription, topic, 0)).toBe('idle');
    expect((await store.state(key, 0)).committed).toBe(1);
    const letters = await engine.deadLetters.list(topicName, 'sub', 10, undefined);
    expect(letters.deadLetters.map((l) => [l.offset, l.deliveryAttempts, l.lastError])).toEqual([[0, 5, 'HTTP 500']]);
  });

  it('counts a 2xx that arrives after the time limit as a failure', async () => {
    receiver.respond = async () => {
      await new Promise((r) => setTimeout(r, 400));
      return 200;
    };
    const slow = new WebhookTarget(policy, undefined, 100);
    const outcome = await slow.deliver(`${receiver.url}/hook`, { webhookId: 'msg_x', timestamp: 1, body: '{}', secrets: { current: 'whsec_AAAA' } });
    expect(outcome).toMatchObject({ kind: 'failed', error: expect.stringContaining('0.1 s') });
  });

  it('checks the URL again at delivery: outside the local stack a loopback target gets no traffic', async () => {
    const strict = new WebhookTarget({ allowLoopback: false, lambdaArnPatterns: [] });
    const outcome = await strict.deliver(`${receiver.url}/hook`, { webhookId: 'msg_y', timestamp: 1, body: '{}', secrets: { current: 'whsec_AAAA' } });
    expect(outcome).toMatchObject({ kind: 'failed', error: expect.stringContaining('https') });
    const named = await new WebhookTarget({ allowLoopback: false, lambdaArnPatterns: [] }, async () => ['127.0.0.1']).deliver(
      'https://looks-public.example.com/hook',
      { webhookId: 'msg_z', timestamp: 1, body: '{}', secrets: { current: 'whsec_AAAA' } },
    );
    expect(named).toMatchObject({ kind: 'failed', error: expect.stringContaining('loopback') });
    expect(receiver.deliveries).toHaveLength(0);
  });
});
