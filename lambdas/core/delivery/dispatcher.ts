/**
 * The subscription side of the stream dispatcher: an `AppendListener` woken
 * by appends to the log (DynamoDB Streams on AWS, DynamoDB Local's stream on
 * the local stack), and the sweep that a schedule runs to retry deliveries
 * whose backoff has ended. Nothing here polls: with no appends and no due
 * retries, nothing is read or invoked.
 */
import type { AppendListener, LogAppend } from '../log/appends';
import { mapWithConcurrency } from '../concurrency';
import type { TopicService } from '../topics';
import type { Topic } from '../types';
import type { DeliveryService, PartitionResult } from './delivery';
import type { SubscriptionStore, SweepSchedule } from './types';

/** Partitions delivered at once by one dispatcher invocation. */
const CONCURRENCY = 8;

export class SubscriptionDispatcher implements AppendListener {
  constructor(
    private readonly topics: TopicService,
    private readonly store: SubscriptionStore,
    private readonly delivery: DeliveryService,
    /** Put to sleep when no retry note is left; none: the sweep runs on a timer whatever it finds (the local stack). */
    private readonly schedule?: SweepSchedule,
    private readonly now: () => number = Date.now,
  ) {}

  /** Delivers every active subscription's partitions that the appends touched. */
  async onAppends(appends: readonly LogAppend[]): Promise<void> {
    const byTopic = new Map<string, { name: string; topicId: string; ends: Map<number, number> }>();
    for (const append of appends) {
      const id = `${append.topic}#${append.topicId}`;
      let entry = byTopic.get(id);
      if (!entry) byTopic.set(id, (entry = { name: append.topic, topicId: append.topicId, ends: new Map() }));
      entry.ends.set(append.partition, Math.max(entry.ends.get(append.partition) ?? 0, append.baseOffset + append.count));
    }
    const errors: unknown[] = [];
    for (const { name, topicId, ends } of byTopic.values()) {
      const topic = await this.topicIncarnation(name, topicId);
      if (!topic) continue;
      const subscriptions = (await this.store.list(name)).filter((s) => s.topicId === topicId && s.state === 'active');
      const work = subscriptions.flatMap((s) => [...ends].map(([partition, end]) => ({ s, partition, end })));
      await mapWithConcurrency(work, CONCURRENCY, async ({ s, partition, end }) => {
        try {
          await this.delivery.deliverPartition(s, topic, partition, end);
        } catch (error) {
          errors.push(error);
          // Whatever failed (a store error, a crash in between), a later sweep looks again.
          await this.store.scheduleRetry({ topic: name, topicId, name: s.name }, partition, this.now()).catch(() => undefined);
        }
      });
    }
    if (errors.length > 0) throw errors[0];
  }

  /**
   * Runs the retries that are due; returns how many partitions it looked at.
   * A sweep that leaves no note puts the schedule to sleep, then looks once
   * more: a note written in between wakes it again (its writer's wake-up may
   * have come before the sleep).
   */
  async sweep(): Promise<number> {
    const now = this.now();
    const notes = await this.store.retryNotes();
    const due = notes.filter((note) => note.dueAt <= now);
    await mapWithConcurrency(due, CONCURRENCY, async ({ key, partition, dueAt }) => {
      let result: PartitionResult | 'gone' = 'gone';
      const topic = await this.topicIncarnation(key.topic, key.topicId);
      const subscription = topic ? await this.store.get(key.topic, key.name) : undefined;
      if (topic && subscription && subscription.topicId === key.topicId) {
        result = await this.delivery.deliverPartition(subscription, topic, partition, 0, true).catch(() => 'budget' as const);
      }
      // The note is done with unless the try left a new one (retrying, busy, budget rewrote its due time).
      if (result !== 'budget') await this.store.clearRetry(key, partition, dueAt);
    });
    // Only a schedule that can sleep needs to know whether notes are left (the local timer sweeps regardless).
    if (this.schedule && (due.length === 0 ? notes : await this.store.retryNotes()).length === 0) {
      await this.schedule.sleep();
      if ((await this.store.retryNotes()).length > 0) await this.schedule.wake();
    }
    return due.length;
  }

  private async topicIncarnation(name: string, topicId: string): Promise<Topic | undefined> {
    try {
      let topic = await this.topics.get(name);
      if (topic.topicId !== topicId) topic = await this.topics.getFresh(name);
      return topic.topicId === topicId ? topic : undefined;
    } catch {
      return undefined;
    }
  }
}
