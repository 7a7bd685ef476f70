/**
 * Wires the engine to its stores for one configuration. Every part is built
 * on first use, so a Lambda function that was given only some tables (least
 * privilege) never touches the others. Handlers use the process-wide runtime
 * (`getRuntime`, from the environment); tests build their own with
 * `createRuntime(config)`.
 */
import { loadConfig, requireBucket, requireTable, type Config } from './config';
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
import { TopicService } from './core/topics';
import { S3BlobStore } from './store/blob-store';
import { createStoreClients, type StoreClients } from './store/clients';
import { DynamoDeadLetterStore } from './store/dead-letter-store';
import { DynamoGroupStore } from './store/group-store';
import { createIdempotencyGuard } from './store/idempotency';
import { DynamoLogStore } from './store/log-store';
import { DynamoSegmentCatalog } from './store/segment-catalog';
import { DynamoTokenStore } from './store/token-store';
import { DynamoTopicStore } from './store/topic-store';

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
  private get logStore(): DynamoLogStore {
    return this.once('logStore', () => new DynamoLogStore(this.clients.documents, requireTable(this.config, 'log')));
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
    return this.once('producer', () => new ProduceService(this.topics, this.log));
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
          // Optional: only nacks write dead letters (the Upstash facade never nacks).
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
  /**
   * Who reads a topic (`GET /v1/topics/{topic}/groups`): one source per
   * consumption model. Share groups and subscriptions add theirs here.
   */
  get readerSources(): TopicReaderSource[] {
    return [new ConsumerGroupReaders(this.topics, this.log, this.groupStore)];
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
  get idempotent(): ReturnType<typeof createIdempotencyGuard> {
    return this.once('idempotent', () =>
      createIdempotencyGuard(this.clients.dynamodb, requireTable(this.config, 'idempotency')),
    );
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
