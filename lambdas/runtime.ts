/**
 * Wires the engine to its stores for one configuration. Every part is built
 * on first use, so a Lambda function that was given only some tables (least
 * privilege) never touches the others. Handlers use the process-wide runtime
 * (`getRuntime`, from the environment); tests build their own with
 * `createRuntime(config)`.
 */
import { loadConfig, requireBucket, requireTable, type Config } from './config';
import { CachingAuthenticator } from './core/auth';
import { ArchiveService } from './core/archive/archive';
import { ArchiveReader } from './core/archive/archive-reader';
import { DeadLetterService, DeadLetterWriter } from './core/dead-letters';
import { FetchService } from './core/log/fetch';
import { GroupService } from './core/groups/groups';
import { ConsumerGroupReaders } from './core/groups/readers';
import type { TopicReaderSource } from './core/readers';
import { TopicReadersService } from './core/topic-readers';
import { PartitionLog } from './core/log/log';
import { ProduceService } from './core/log/produce';
import { ShareGroupService } from './core/share/share-groups';
import { TopicService } from './core/topics';
import type { AppendListener, LogAppend } from './core/log/appends';
import { DeliveryService } from './core/delivery/delivery';
import { SubscriptionDispatcher } from './core/delivery/dispatcher';
import { SubscriptionService } from './core/delivery/subscriptions';
import { targetValidator } from './core/delivery/targets';
import { presentRecord } from './http/present';
import { RoutingTarget } from './store/delivery-target';
import { LambdaTarget, lazyLambdaClient } from './store/lambda-target';
import { toLogAppends, type LogStreamRecord } from './store/log-stream';
import { DynamoSubscriptionStore } from './store/subscription-store';
import { EventBridgeSweepRule, lazyEventBridgeClient } from './store/sweep-rule';
import { resolveAll, WebhookTarget } from './store/webhook-target';
import { S3BlobStore } from './store/blob-store';
import { createStoreClients, type StoreClients } from './store/clients';
import { DynamoDeadLetterStore } from './store/dead-letter-store';
import { DynamoGroupStore } from './store/group-store';
import { DynamoIdempotencyStore } from './store/idempotency';
import { DynamoLogStore } from './store/log-store';
import { DynamoSegmentCatalog } from './store/segment-catalog';
import { LambdaFunctionInvoker, type FunctionInvoker } from './store/function-invoker';
import { DynamoShareStore } from './store/share-store';
import { DynamoTokenStore } from './store/token-store';
import { DynamoConnectionStore } from './store/connection-store';
import { LiveSessions } from './core/live/session';
import { LiveNotifier } from './core/live/notifier';
import { currentTopicIdOf } from './core/live/topic-check';
import { ApiGatewayConnectionPoster } from './store/connection-poster';
import { DynamoTopicStore } from './store/topic-store';
import { DynamoUpstashInstanceStore } from './store/upstash-instance-store';
import type { InstanceStore } from './upstash/consumers';

export class Runtime {
  private readonly built = new Map<string, unknown>();

  constructor(readonly config: Config) {}

  private once<T>(name: string, build: () => T): T {
    if (!this.built.has(name)) this.built.set(name, build());
    return this.built.get(name) as T;
  }

  get clients(): StoreClients {
    return this.once('clients', () => createStoreClients(this.config));
  }
  get tokens(): DynamoTokenStore {
    return this.once('tokens', () => new DynamoTokenStore(this.clients.documents, requireTable(this.config, 'tokens')));
  }
  /** Checks bearer tokens with a 60 s cache (function-side auth mode; `config.authMode`). */
  get authenticator(): CachingAuthenticator {
    return this.once('authenticator', () => new CachingAuthenticator(this.tokens));
  }
  private get logStore(): DynamoLogStore {
    return this.once(
      'logStore',
      // The idempotency table is optional: only the produce function writes keyed batches.
      () => new DynamoLogStore(this.clients.documents, requireTable(this.config, 'log'), this.config.tables.idempotency),
    );
  }
  private get blobs(): S3BlobStore {
    return this.once('blobs', () => new S3BlobStore(this.clients.s3, requireBucket(this.config)));
  }
  private get catalog(): DynamoSegmentCatalog {
    return this.once('catalog', () => new DynamoSegmentCatalog(this.clients.documents, requireTable(this.config, 'topics')));
  }
  get log(): PartitionLog {
    return this.once(
      'log',
      () =>
        new PartitionLog(this.logStore, this.blobs, {
          inlineBatchMaxBytes: this.config.inlineBatchMaxBytes,
          archive: new ArchiveReader(this.catalog, this.blobs),
        }),
    );
  }
  get archiver(): ArchiveService {
    return this.once('archiver', () => new ArchiveService(this.topics, this.logStore, this.catalog, this.blobs));
  }
  get topics(): TopicService {
    return this.once(
      'topics',
      () =>
        new TopicService(
          new DynamoTopicStore(this.clients.documents, requireTable(this.config, 'topics')),
          this.logStore,
          this.blobs,
          this.log,
          Date.now,
          this.catalog,
        ),
    );
  }
  get producer(): ProduceService {
    return this.once(
      'producer',
      () => new ProduceService(this.topics, this.log, undefined, Date.now, this.config.tables.idempotency ? this.idempotency : undefined),
    );
  }
  get fetcher(): FetchService {
    return this.once('fetcher', () => new FetchService(this.topics, this.log));
  }
  private get groupStore(): DynamoGroupStore {
    return this.once(
      'groupStore',
      () =>
        new DynamoGroupStore(
          this.clients.documents,
          requireTable(this.config, 'groups'),
          // Nacks and polls (a record whose leases kept lapsing) write dead letters; optional for tools that do neither.
          this.config.tables.deadLetters,
        ),
    );
  }
  get groups(): GroupService {
    return this.once(
      'groups',
      () =>
        new GroupService(
          this.topics,
          this.log,
          this.groupStore,
          new DeadLetterWriter(this.groupStore, this.blobs, this.config.inlineBatchMaxBytes),
        ),
    );
  }
  get shareGroups(): ShareGroupService {
    return this.once(
      'shareGroups',
      () =>
        new ShareGroupService(
          this.topics,
          this.log,
          new DynamoShareStore(this.clients.documents, requireTable(this.config, 'groups'), this.config.tables.deadLetters),
          this.blobs,
          this.config.inlineBatchMaxBytes,
        ),
    );
  }
  /**
   * Who reads a topic (`GET /v1/topics/{topic}/groups`): one source per
   * consumption model.
   */
  get readerSources(): TopicReaderSource[] {
    return [new ConsumerGroupReaders(this.topics, this.log, this.groupStore), this.shareGroups, this.subscriptions];
  }
  get topicReaders(): TopicReadersService {
    return this.once('topicReaders', () => new TopicReadersService(this.topics, this.readerSources));
  }
  get deadLetters(): DeadLetterService {
    return this.once(
      'deadLetters',
      () =>
        new DeadLetterService(
          this.topics,
          this.log,
          new DynamoDeadLetterStore(this.clients.documents, requireTable(this.config, 'deadLetters')),
          this.blobs,
        ),
    );
  }
  /** Asynchronous Lambda invocations (the archiver's fan-out). */
  get invoker(): FunctionInvoker {
    return this.once('invoker', () => new LambdaFunctionInvoker());
  }
  /** Where the Upstash facade keeps its consumer instances (in the groups table). */
  get upstashInstances(): InstanceStore {
    return this.once(
      'upstashInstances',
      () => new DynamoUpstashInstanceStore(this.clients.documents, requireTable(this.config, 'groups')),
    );
  }
  /** The live-notification connections table. */
  get connections(): DynamoConnectionStore {
    return this.once(
      'connections',
      () => new DynamoConnectionStore(this.clients.documents, requireTable(this.config, 'connections')),
    );
  }
  /** The WebSocket protocol's server side (the live handler and the local `ws` server). */
  get liveSessions(): LiveSessions {
    return this.once('liveSessions', () => new LiveSessions({ tokens: this.tokens, topics: this.topics, connections: this.connections }));
  }
  /**
   * The live-notification listener of the stream dispatcher, posting through
   * the WebSocket API's `@connections` endpoint; undefined where live
   * notifications are off (no `TRIBUTARY_LIVE_ENDPOINT`).
   */
  get liveNotifier(): LiveNotifier | undefined {
    const endpoint = this.config.liveEndpoint;
    if (!endpoint) return undefined;
    return this.once(
      'liveNotifier',
      () =>
        new LiveNotifier(this.connections, new ApiGatewayConnectionPoster(endpoint, this.config.region), {
          currentTopicId: currentTopicIdOf(this.topics),
        }),
    );
  }
  private get subscriptionStore(): DynamoSubscriptionStore {
    return this.once(
      'subscriptionStore',
      () =>
        new DynamoSubscriptionStore(this.clients.documents, requireTable(this.config, 'groups'), this.config.tables.deadLetters, this.sweepRule),
    );
  }
  /** The retry sweep's rule (AWS); undefined on the local stack, which sweeps on a timer. */
  private get sweepRule(): EventBridgeSweepRule | undefined {
    const rule = this.config.sweepRule;
    return rule ? this.once('sweepRule', () => new EventBridgeSweepRule(lazyEventBridgeClient(this.config.region), rule)) : undefined;
  }
  private get targetPolicy() {
    return { allowLoopback: this.config.allowLoopbackTargets, lambdaArnPatterns: this.config.subscriptionFunctionArns };
  }
  /** Push subscriptions: the REST operations and the topic's readers. */
  get subscriptions(): SubscriptionService {
    return this.once(
      'subscriptions',
      () => new SubscriptionService(this.topics, this.log, this.subscriptionStore, targetValidator(this.targetPolicy, resolveAll)),
    );
  }
  /** Push delivery (the dispatcher's). */
  get delivery(): DeliveryService {
    return this.once('delivery', () => {
      const target = new RoutingTarget(
        new WebhookTarget(this.targetPolicy),
        new LambdaTarget(lazyLambdaClient(this.config.region), this.config.subscriptionFunctionArns),
      );
      return new DeliveryService(this.subscriptionStore, this.topics, this.log, this.blobs, target, {
        inlineMaxBytes: this.config.inlineBatchMaxBytes,
        present: presentRecord,
      });
    });
  }
  get subscriptionDispatcher(): SubscriptionDispatcher {
    return this.once('subscriptionDispatcher', () => new SubscriptionDispatcher(this.topics, this.subscriptionStore, this.delivery, this.sweepRule));
  }
  /**
   * Everything the stream dispatcher wakes with the log's appends (the
   * `dispatcher` Lambda and the local stack's stream poller). Adding a
   * listener is one line here.
   */
  /** The appends among the log table's stream records (the dispatcher's input, on AWS and locally). */
  appendsOf(records: readonly unknown[]): LogAppend[] {
    return toLogAppends(records as readonly LogStreamRecord[]);
  }
  get appendListeners(): AppendListener[] {
    return this.once('appendListeners', () => {
      const live = this.liveNotifier;
      return live ? [this.subscriptionDispatcher, live] : [this.subscriptionDispatcher];
    });
  }
  private get idempotency(): DynamoIdempotencyStore {
    return this.once('idempotency', () => new DynamoIdempotencyStore(this.clients.documents, requireTable(this.config, 'idempotency')));
  }
}

export function createRuntime(config: Config): Runtime {
  return new Runtime(config);
}

let runtime: Runtime | undefined;

/** The process-wide runtime, built from the environment on first use. */
export function getRuntime(): Runtime {
  runtime ??= createRuntime(loadConfig());
  return runtime;
}
