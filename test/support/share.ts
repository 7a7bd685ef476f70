/**
 * Share-group services for integration tests: one "container" per call (its
 * own caches) on the shared tables, with a switch that makes the next store
 * write fail before it runs or after it has run (a crash, or a lost response).
 */
import type { Config } from '../../lambdas/config';
import type { ShareStore } from '../../lambdas/core/share/ports';
import { ShareGroupService } from '../../lambdas/core/share/share-groups';
import { createRuntime, type Runtime } from '../../lambdas/runtime';
import { S3BlobStore } from '../../lambdas/store/blob-store';
import { createStoreClients } from '../../lambdas/store/clients';
import { DynamoShareStore } from '../../lambdas/store/share-store';
import { InjectedFault, type FaultPoint } from './engine';

export interface ShareContainer {
  runtime: Runtime;
  share: ShareGroupService;
  /** Arms one failure of the next `write` (with dead letters only, when `withDeadLetters`). */
  failNextWrite(point: FaultPoint, withDeadLetters?: boolean): void;
  store: ShareStore;
}

export function shareContainer(config: Config, clock: () => number = Date.now): ShareContainer {
  const runtime = createRuntime(config);
  const clients = createStoreClients(config);
  const real = new DynamoShareStore(clients.documents, config.tables.groups as string, config.tables.deadLetters);
  let armed: { point: FaultPoint; withDeadLetters: boolean } | undefined;
  const store: ShareStore = {
    get: (key, partition) => real.get(key, partition),
    list: (topic, group) => real.list(topic, group),
    remove: (key, partitions) => real.remove(key, partitions),
    write: async (key, expected, next, letters) => {
      const fault = armed && (!armed.withDeadLetters || letters.length > 0) ? armed : undefined;
      if (fault) armed = undefined;
      if (fault?.point === 'before') throw new InjectedFault('injected before write');
      const done = await real.write(key, expected, next, letters);
      if (fault?.point === 'after') throw new InjectedFault('injected after write');
      return done;
    },
  };
  const blobs = new S3BlobStore(clients.s3, config.bucket as string);
  const share = new ShareGroupService(runtime.topics, runtime.log, store, blobs, config.inlineBatchMaxBytes, clock);
  return {
    runtime,
    share,
    store,
    failNextWrite: (point, withDeadLetters = false) => {
      armed = { point, withDeadLetters };
    },
  };
}
