/** The entry point of the SDK: one connection (URL, token, retry policy) from which producers, consumers and the admin API come. */
import { Admin } from './admin';
import { Consumer, type ConsumerOptions } from './consumer';
import { HttpTransport, apiPath, type TransportOptions } from './http';
import { followPartition, type FollowRequest } from './follow';
import { LiveConnection, defaultLiveUrl, type LiveOptions } from './live';
import { Producer, type ProducerOptions } from './producer';
import { ShareAdmin } from './share-admin';
import { ShareConsumer, type ShareConsumerOptions } from './share-consumer';
import type { FetchRequest, FetchResult } from './types';

export interface ClientOptions extends TransportOptions {
  /**
   * Live notifications (WebSocket): where to connect. Default
   * `ws(s)://<host>/v1/live` of `url` (the local stack serves it there); on
   * AWS, the stack's `LiveUrl` output. `false`: never (always long-poll).
   * Consumers fall back to long polls whenever it cannot connect.
   */
  liveUrl?: string | false;
  /** Keep-alive, reconnect and socket settings of the live connection. */
  live?: Omit<LiveOptions, 'url' | 'token'>;
}

export class TributaryClient {
  readonly admin: Admin;
  /** Share-group administration: describe, reset, delete. */
  readonly shareGroups: ShareAdmin;
  private readonly transport: HttpTransport;
  private liveConnection: LiveConnection | undefined;

  constructor(private readonly options: ClientOptions) {
    this.transport = new HttpTransport(options);
    this.admin = new Admin(this.transport);
    this.shareGroups = new ShareAdmin(this.transport);
  }

  /**
   * The live-notification connection consumers share (it connects on the
   * first wait, and closes when no consumer waits), or undefined with
   * `liveUrl: false`.
   */
  get live(): LiveConnection | undefined {
    if (this.options.liveUrl === false) return undefined;
    this.liveConnection ??= new LiveConnection({
      ...this.options.live,
      url: this.options.liveUrl ?? defaultLiveUrl(this.options.url),
      token: this.options.token,
    });
    return this.liveConnection;
  }

  /** Closes the live connection, if any (consumers then long-poll). */
  close(): void {
    this.liveConnection?.close();
    this.liveConnection = undefined;
  }

  /** The API's base URL. */
  get url(): string {
    return this.transport.url;
  }

  producer(options?: ProducerOptions): Producer {
    return new Producer(this.transport, options);
  }

  consumer(options: ConsumerOptions): Consumer {
    return new Consumer(this.transport, { ...options, live: options.live ?? this.live ?? false });
  }

  /**
   * Tails a partition without a group: pages of records from the start,
   * then new ones as they come (waiting on live notifications when the
   * server offers them, else long polls), until `signal` aborts.
   *
   * @example
   * for await (const page of client.follow({ topic: 'orders', partition: 0, offset: 'latest', signal })) …
   */
  follow(request: FollowRequest): AsyncGenerator<FetchResult> {
    return followPartition((r) => this.fetch(r), this.live, request);
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
