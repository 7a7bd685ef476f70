/**
 * Wires the engine to its stores for one configuration. Handlers use the
 * lazily built process-wide runtime (`getRuntime`, from the environment);
 * tests build their own with `createRuntime(config)`.
 */
import { loadConfig, type Config } from './config';
import { FetchService } from './core/fetch';
import { PartitionLog } from './core/log';
import { ProduceService } from './core/produce';
import { TopicService } from './core/topics';
import { S3BlobStore } from './store/blob-store';
import { createStoreClients, type StoreClients } from './store/clients';
import { createIdempotencyGuard } from './store/idempotency';
import { DynamoLogStore } from './store/log-store';
import { DynamoTokenStore } from './store/token-store';
import { DynamoTopicStore } from './store/topic-store';

export interface Runtime {
  readonly config: Config;
  readonly clients: StoreClients;
  readonly tokens: DynamoTokenStore;
  readonly topics: TopicService;
  readonly log: PartitionLog;
  readonly producer: ProduceService;
  readonly fetcher: FetchService;
  readonly idempotent: ReturnType<typeof createIdempotencyGuard>;
}

export function createRuntime(config: Config): Runtime {
  const clients = createStoreClients(config);
  const logStore = new DynamoLogStore(clients.documents, config.tables.log);
  const blobs = new S3BlobStore(clients.s3, config.bucket);
  const log = new PartitionLog(logStore, blobs, { inlineBatchMaxBytes: config.inlineBatchMaxBytes });
  const topics = new TopicService(new DynamoTopicStore(clients.documents, config.tables.topics), logStore, blobs, log);
  return {
    config,
    clients,
    tokens: new DynamoTokenStore(clients.documents, config.tables.tokens),
    topics,
    log,
    producer: new ProduceService(topics, log),
    fetcher: new FetchService(topics, log),
    idempotent: createIdempotencyGuard(clients.dynamodb, config.tables.idempotency),
  };
}

let runtime: Runtime | undefined;

/** The process-wide runtime, built from the environment on first use. */
export function getRuntime(): Runtime {
  runtime ??= createRuntime(loadConfig());
  return runtime;
}
