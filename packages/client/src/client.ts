/** The entry point of the SDK: one connection (URL, token, retry policy) from which producers, consumers and the admin API come. */
import { Admin } from './admin';
import { Consumer, type ConsumerOptions } from './consumer';
import { HttpTransport, apiPath, type TransportOptions } from './http';
import { Producer, type ProducerOptions } from './producer';
import { ShareAdmin } from './share-admin';
import { ShareConsumer, type ShareConsumerOptions } from './share-consumer';
import type { FetchRequest, FetchResult } from './types';

export type ClientOptions = TransportOptions;

export class TributaryClient {
  readonly admin: Admin;
  /** Share-group administration: describe, reset, delete. */
  readonly shareGroups: ShareAdmin;
  private readonly transport: HttpTransport;

  constructor(options: ClientOptions) {
    this.transport = new HttpTransport(options);
    this.admin = new Admin(this.transport);
    this.shareGroups = new ShareAdmin(this.transport);
  }

  /** The API's base URL. */
  get url(): string {
    return this.transport.url;
  }

  producer(options?: ProducerOptions): Producer {
    return new Producer(this.transport, options);
  }

  consumer(options: ConsumerOptions): Consumer {
    return new Consumer(this.transport, options);
  }

  /** A share-group consumer: a work queue with per-record locks (`for await`, then accept/release/reject). */
  shareConsumer(options: ShareConsumerOptions): ShareConsumer {
    return new ShareConsumer(this.transport, options);
  }

  /** Reads a partition by offset (replay, tailing) without a group. */
  fetch(request: FetchRequest): Promise<FetchResult> {
    const start = 'fromTimestamp' in request ? { fromTimestamp: request.fromTimestamp } : { offset: request.offset };
    return this.transport.request({
      method: 'GET',
      path: apiPath`/v1/topics/${request.topic}/partitions/${request.partition}/records`,
      query: { ...start, limit: request.limit, waitMs: request.waitMs },
      retry: 'idempotent',
      signal: request.signal,
      waitMs: request.waitMs,
    });
  }
}
