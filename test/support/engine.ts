/**
 * Builds the engine's services by hand on real tables, with optional fault
 * injection around store methods: the stores still talk to DynamoDB Local
 * and s3rver; a fault only makes one call fail before or after it runs, as
 * a crash or a lost response would.
 */
import type { Config } from '../../lambdas/config';
import { ArchiveService, DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from '../../lambdas/core/archive/archive';
import { ArchiveReader } from '../../lambdas/core/archive/archive-reader';
import { DeadLetterService, DeadLetterWriter } from '../../lambdas/core/dead-letters';
import { FetchService } from '../../lambdas/core/log/fetch';
import { GroupService } from '../../lambdas/core/groups/groups';
import { PartitionLog } from '../../lambdas/core/log/log';
import type { GroupStore, LogStore, SegmentCatalog } from '../../lambdas/core/ports';
import { ProduceService } from '../../lambdas/core/log/produce';
import { TopicService } from '../../lambdas/core/topics';
import { S3BlobStore } from '../../lambdas/store/blob-store';
import { createStoreClients } from '../../lambdas/store/clients';
import { DynamoDeadLetterStore } from '../../lambdas/store/dead-letter-store';
import { DynamoGroupStore } from '../../lambdas/store/group-store';
import { DynamoIdempotencyStore } from '../../lambdas/store/idempotency';
import { DynamoLogStore } from '../../lambdas/store/log-store';
import { DynamoSegmentCatalog } from '../../lambdas/store/segment-catalog';
import { DynamoTopicStore } from '../../lambdas/store/topic-store';

export class InjectedFault extends Error {}

export type FaultPoint = 'before' | 'after';

/** Arms one failure of `method` on `target`: before it runs, or after it has run (its effect is kept). */
export interface FaultSwitch {
  arm(method: string, point: FaultPoint): void;
  /** How many faults fired. */
  fired: number;
}

function withFaults<T extends object>(target: T): { store: T; faults: FaultSwitch } {
  const armed = new Map<string, FaultPoint>();
  const faults: FaultSwitch = {
    arm: (method, point) => armed.set(method, point),
    fired: 0,
  };
  const store = new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return async (...args: unknown[]) => {
        const point = armed.get(prop);
        if (point === 'before') {
          armed.delete(prop);
          faults.fired += 1;
          throw new InjectedFault(`injected before ${prop}`);
        }
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(obj, args);
        if (point === 'after') {
          armed.delete(prop);
          faults.fired += 1;
          throw new InjectedFault(`injected after ${prop}`);
        }
        return result;
      };
    },
  });
  return { store, faults };
}

export interface Engine {
  /** An archiver whose clock runs `skewMs` ahead (so batches look old enough), with faults on its stores. */
  archiver(skewMs: number, limits?: Partial<ArchiveLimits>): ArchiveService;
  /** Faults on the segment catalog (commitSegment, raiseStart, …) and the S3 objects (put, delete, …) of archivers. */
  catalogFaults: FaultSwitch;
  objectFaults: FaultSwitch;
  catalog: SegmentCatalog;
  logStore: LogStore;
  blobs: S3BlobStore;
  topics: TopicService;
  producer: ProduceService;
  fetcher: FetchService;
  log: PartitionLog;
  groups: GroupService;
  deadLetters: DeadLetterService;
  /** Faults on the log store (putBatch, putBatchAtomically, …). */
  logFaults: FaultSwitch;
  /** Faults on the group store (deadLetter, recordFailure, commit, …). */
  groupFaults: FaultSwitch;
  /** The group store itself, for looking at the member view. */
  groupStore: GroupStore;
}

/** One "container": its own caches, on the shared tables of `config`. */
export function buildEngine(config: Config): Engine {
  const clients = createStoreClients(config);
  const blobs = new S3BlobStore(clients.s3, config.bucket as string);
  const realLog = new DynamoLogStore(clients.documents, config.tables.log as string, config.tables.idempotency);
  const { store: logStore, faults: logFaults } = withFaults<LogStore>(realLog);
  const realCatalog = new DynamoSegmentCatalog(clients.documents, config.tables.topics as string);
  const { store: catalog, faults: catalogFaults } = withFaults<SegmentCatalog>(realCatalog);
  const { store: objects, faults: objectFaults } = withFaults<S3BlobStore>(blobs);
  const log = new PartitionLog(logStore, blobs, {
    inlineBatchMaxBytes: config.inlineBatchMaxBytes,
    archive: new ArchiveReader(realCatalog, blobs),
  });
  const topics = new TopicService(
    new DynamoTopicStore(clients.documents, config.tables.topics as string),
    realLog,
    blobs,
    log,
    Date.now,
    realCatalog,
  );
  const realGroups = new DynamoGroupStore(clients.documents, config.tables.groups as string, config.tables.deadLetters as string);
  const { store: groupStore, faults: groupFaults } = withFaults<GroupStore>(realGroups);
  const groups = new GroupService(topics, log, groupStore, new DeadLetterWriter(groupStore, blobs, config.inlineBatchMaxBytes));
  const deadLetters = new DeadLetterService(
    topics,
    log,
    new DynamoDeadLetterStore(clients.documents, config.tables.deadLetters as string),
    blobs,
  );
  return {
    topics,
    producer: new ProduceService(topics, log, undefined, Date.now, new DynamoIdempotencyStore(clients.documents, config.tables.idempotency as string)),
    fetcher: new FetchService(topics, log),
    log,
    groups,
    deadLetters,
    logFaults,
    groupFaults,
    groupStore: realGroups,
    archiver: (skewMs, limits = {}) =>
      new ArchiveService(topics, logStore, catalog, objects, { ...DEFAULT_ARCHIVE_LIMITS, ...limits }, () => Date.now() + skewMs),
    catalogFaults,
    objectFaults,
    catalog: realCatalog,
    logStore: realLog,
    blobs,
  };
}
