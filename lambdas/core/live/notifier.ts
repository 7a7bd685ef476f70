/**
 * Live notifications: the second listener of the log's append stream (beside
 * push delivery). For each topic in a batch of appends it finds the
 * connections watching the topic and sends each one
 * `{"type": "records", "topic", "partitions": [{"partition", "endOffset"}]}`.
 *
 * Coalescing: at most one notification per (connection, topic, epoch second),
 * whatever the number of dispatcher containers. Each notification is first
 * *claimed* with a conditional write on the watch item
 * (`notifiedSecond < :second`, see ConnectionStore.claimNotification); only
 * the winner posts. A loser whose offsets were not in the winner's
 * notification waits for the next second and claims again, so the final end
 * offsets always reach the watcher, at most about a second late. A container
 * also remembers the seconds it claimed, to skip writes that must fail.
 */
import type { LogAppend, AppendListener } from '../log/appends';
import { mapWithConcurrency } from '../concurrency';
import type { ConnectionPoster, ConnectionStore, LiveWatch, PartitionEnds } from './ports';

/** Watchers notified at once per topic. */
const POST_CONCURRENCY = 16;
/** Give up on a trailing notification after this many seconds of losing claims (a watcher that others keep notifying). */
const MAX_CLAIM_ROUNDS = 5;

export interface LiveNotifierOptions {
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * The topic's current incarnation (topic id), or undefined when it does not
   * exist; appends of another incarnation are ignored. Default: no check.
   */
  readonly currentTopicId?: (topic: string) => Promise<string | undefined>;
  /** Called for a failure to notify one watcher (the others go on). */
  readonly onError?: (error: unknown, watch: LiveWatch) => void;
}

/** End offsets per topic: the largest `baseOffset + count` seen per partition. */
export function endOffsetsByTopic(appends: readonly LogAppend[]): Map<string, { topicId: string; ends: Map<number, number> }> {
  const byTopic = new Map<string, { topicId: string; ends: Map<number, number> }>();
  for (const append of appends) {
    const key = `${append.topic}\u0000${append.topicId}`;
    let entry = byTopic.get(key);
    if (!entry) byTopic.set(key, (entry = { topicId: append.topicId, ends: new Map() }));
    const end = append.baseOffset + append.count;
    entry.ends.set(append.partition, Math.max(entry.ends.get(append.partition) ?? 0, end));
  }
  return byTopic;
}

/** True when `notified` carries every partition of `mine` at an end offset at least as high. */
export function covers(notified: PartitionEnds, mine: PartitionEnds): boolean {
  return Object.entries(mine).every(([partition, end]) => (notified[Number(partition)] ?? -1) >= end);
}

interface PendingNotification {
  ends: Record<number, number>;
  /** Bumped whenever later appends merge into `ends`. */
  version: number;
  done: Promise<void>;
}

function mergeEnds(into: Record<number, number>, more: PartitionEnds): void {
  for (const [partition, end] of Object.entries(more)) {
    const p = Number(partition);
    into[p] = Math.max(into[p] ?? 0, end);
  }
}

/** Sends coalesced `records` notifications to the watchers of appended topics. */
export class LiveNotifier implements AppendListener {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** (topic, connection) → the last second this container claimed. */
  private readonly claimed = new Map<string, number>();
  /** (topic, connection) → the notification this container is sending or waiting to send. */
  private readonly pending = new Map<string, PendingNotification>();

  constructor(
    private readonly connections: ConnectionStore,
    private readonly poster: ConnectionPoster,
    private readonly options: LiveNotifierOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async onAppends(appends: readonly LogAppend[]): Promise<void> {
    const byTopic = endOffsetsByTopic(appends);
    await Promise.all(
      [...byTopic].map(async ([key, { topicId, ends }]) => {
        const topic = key.slice(0, key.indexOf('\u0000'));
        if (this.options.currentTopicId && (await this.options.currentTopicId(topic)) !== topicId) return;
        await this.notifyTopic(topic, Object.fromEntries(ends) as PartitionEnds);
      }),
    );
  }

  private async notifyTopic(topic: string, ends: PartitionEnds): Promise<void> {
    const watchers = await this.connections.watchers(topic);
    await mapWithConcurrency(watchers, POST_CONCURRENCY, async (watch) => {
      try {
        await this.notifyWatcher(watch, ends);
      } catch (error) {
        this.options.onError?.(error, watch);
      }
    });
  }

  /**
   * One waiter per (topic, connection) per container: later appends for a
   * watcher that already has one merge their offsets into it.
   */
  private notifyWatcher(watch: LiveWatch, ends: PartitionEnds): Promise<void> {
    const key = `${watch.topic}\u0000${watch.connectionId}`;
    const waiting = this.pending.get(key);
    if (waiting) {
      mergeEnds(waiting.ends, ends);
      waiting.version += 1;
      return waiting.done;
    }
    const entry: PendingNotification = { ends: { ...ends }, version: 0, done: Promise.resolve() };
    this.pending.set(key, entry);
    entry.done = this.deliver(key, watch, entry);
    return entry.done;
  }

  private async deliver(key: string, watch: LiveWatch, entry: PendingNotification): Promise<void> {
    try {
      let second = Math.floor(this.now() / 1000);
      for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
        const version = entry.version;
        const ends = { ...entry.ends };
        if ((this.claimed.get(key) ?? -1) < second) {
          const claim = await this.connections.claimNotification(watch.topic, watch.connectionId, second, ends);
          if (claim.claimed) {
            this.remember(key, second);
            if ((await this.post(watch, ends)) === 'gone' || entry.version === version) return;
          } else {
            // The watch is gone, or someone else's notification (this second or later) carried these offsets.
            if (claim.second === undefined) return;
            if (claim.second >= second && covers(claim.ends, ends) && entry.version === version) return;
            second = Math.max(second, claim.second);
          }
        }
        // The slot of `second` is taken: wait for the next second and claim again (the trailing notification).
        second += 1;
        await this.sleep(Math.max(0, second * 1000 - this.now()));
      }
    } finally {
      // Synchronously with the last version check, so no merge can slip in unseen.
      this.pending.delete(key);
    }
  }

  private remember(key: string, second: number): void {
    if (this.claimed.size > 100_000) this.claimed.clear();
    this.claimed.set(key, second);
  }

  private async post(watch: LiveWatch, ends: PartitionEnds): Promise<'sent' | 'gone'> {
    const partitions = Object.entries(ends)
      .map(([partition, endOffset]) => ({ partition: Number(partition), endOffset }))
      .sort((a, b) => a.partition - b.partition);
    const outcome = await this.poster.post(watch.connectionId, { type: 'records', topic: watch.topic, partitions });
    if (outcome === 'gone') await this.connections.deleteConnection(watch.connectionId);
    return outcome;
  }
}
