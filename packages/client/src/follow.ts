/**
 * Fetch follow: tail one partition from an offset (or a time), page by page,
 * forever (until `signal`). Caught up, it waits on the live connection and
 * fetches with `waitMs: 0` when notified; without one it long-polls, as a
 * plain follow would.
 */
import type { RecordWaiter } from './live';
import type { FetchRequest, FetchResult } from './types';

export type FollowRequest = FetchRequest & {
  /** Long-poll wait when there is no live connection (default 20000). */
  longPollMs?: number;
};

/** Pages of records from the start, following the partition's end. */
export async function* followPartition(
  fetchPage: (request: FetchRequest) => Promise<FetchResult>,
  live: RecordWaiter | undefined,
  request: FollowRequest,
): AsyncGenerator<FetchResult> {
  const { longPollMs = 20_000, signal, ...rest } = request;
  let start: FetchRequest = { ...rest, signal } as FetchRequest;
  let caughtUp = false;
  const cursor = { seen: 0 };
  live?.retain?.(request.topic);
  try {
    while (!signal?.aborted) {
      let waitMs: number | undefined = 0;
      if (caughtUp) {
        const outcome = live ? await live.waitForRecords(request.topic, signal, undefined, cursor) : 'unavailable';
        if (outcome === 'aborted') return;
        if (outcome === 'unavailable') waitMs = longPollMs;
      }
      let page: FetchResult;
      try {
        page = await fetchPage({ ...start, waitMs });
      } catch (error) {
        if (signal?.aborted) return;
        throw error;
      }
      if (page.records.length > 0) yield page;
      caughtUp = page.nextOffset >= page.endOffset;
      start = { topic: request.topic, partition: request.partition, limit: request.limit, offset: page.nextOffset, signal };
    }
  } finally {
    live?.release?.(request.topic);
  }
}
