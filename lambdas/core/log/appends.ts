/**
 * What the log's change stream says happened: one record batch appended to a
 * partition. On AWS these come from DynamoDB Streams on the log table (new
 * images, read by a Lambda event source mapping, free while idle); on the
 * local stack from DynamoDB Local's stream on the same table. The stream
 * dispatcher turns stream records into `LogAppend`s and hands each batch of
 * them to every listener: push-subscription delivery (core/delivery) and
 * live notifications (core/live) are two listeners of the one dispatcher.
 */

/** One record batch appended to a partition. */
export interface LogAppend {
  readonly topic: string;
  /** The topic's incarnation (KIP-516 topic id): appends of a deleted incarnation are ignored by listeners. */
  readonly topicId: string;
  readonly partition: number;
  /** Offset of the batch's first record. */
  readonly baseOffset: number;
  /** Records in the batch: the partition's end offset is now at least baseOffset + count. */
  readonly count: number;
  /** Server time of the append (epoch ms), for append-to-delivery latency. */
  readonly appendedAt: number;
}

/** Something woken by appends. Must not throw for one bad append: it is called with whole stream batches. */
export interface AppendListener {
  onAppends(appends: readonly LogAppend[]): Promise<void>;
}

/**
 * Calls every listener with the same appends, concurrently, and waits for
 * all. A listener that fails does not stop the others; the first failure is
 * rethrown afterwards so the stream batch is retried (listeners are
 * idempotent: they read committed offsets, never count appends).
 */
export async function dispatchAppends(listeners: readonly AppendListener[], appends: readonly LogAppend[]): Promise<void> {
  if (appends.length === 0) return;
  const results = await Promise.allSettled(listeners.map((listener) => listener.onAppends(appends)));
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}
