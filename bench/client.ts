/**
 * A small HTTP client for the bench: the public API only (API.md), each call
 * tagged with its scenario and timed.
 */
import { SCENARIO_HEADER } from './ledger';
import type { BenchRecord } from './workload';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}: ${body.slice(0, 300)}`);
  }
}

export interface Delivered {
  partition: number;
  offset: number;
  key: string | null;
  value?: unknown;
  timestamp: number;
}

export class BenchClient {
  constructor(
    readonly url: string,
    readonly token: string,
    readonly scenario: string,
  ) {}

  /** Same endpoint and token, another scenario tag. */
  as(scenario: string, token = this.token): BenchClient {
    return new BenchClient(this.url, token, scenario);
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<{ body: T; ms: number }> {
    const started = performance.now();
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        'content-type': 'application/json',
        [SCENARIO_HEADER]: this.scenario,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    if (!response.ok) throw new ApiError(response.status, text);
    return { body: (text ? JSON.parse(text) : undefined) as T, ms };
  }

  createTopic(name: string, partitions: number): Promise<unknown> {
    return this.call('POST', '/v1/topics', { name, partitions });
  }

  async mintToken(name: string): Promise<string> {
    const { body } = await this.call<{ token: string }>('POST', '/v1/tokens', {
      name,
      permissions: [{ topics: '*', actions: ['produce', 'consume', 'admin'] }],
    });
    return body.token;
  }

  produce(topic: string, records: ReadonlyArray<BenchRecord & { partition?: number }>) {
    return this.call<{ results: Array<{ partition: number; offset: number }> }>('POST', `/v1/topics/${topic}/records`, { records });
  }

  fetchRecords(topic: string, partition: number, offset: number, limit: number, waitMs = 0) {
    return this.call<{ records: Delivered[]; nextOffset: number; endOffset: number }>(
      'GET',
      `/v1/topics/${topic}/partitions/${partition}/records?offset=${offset}&limit=${limit}&waitMs=${waitMs}`,
    );
  }

  poll(group: string, topic: string, consumerId: string, maxRecords: number, waitMs = 0) {
    return this.call<{ records: Delivered[]; assignment: Array<{ partition: number }> }>('POST', `/v1/groups/${group}/poll`, {
      topic,
      consumerId,
      maxRecords,
      waitMs,
    });
  }

  commit(group: string, topic: string, consumerId: string, offsets: Array<{ partition: number; offset: number }>) {
    return this.call('POST', `/v1/groups/${group}/commit`, { topic, consumerId, offsets });
  }

  /** Commits, per partition, the offset after the last record delivered. */
  commitDelivered(group: string, topic: string, consumerId: string, records: readonly Delivered[]) {
    const next = new Map<number, number>();
    for (const r of records) next.set(r.partition, Math.max(next.get(r.partition) ?? 0, r.offset + 1));
    return this.commit(group, topic, consumerId, [...next].map(([partition, offset]) => ({ partition, offset })));
  }
}
