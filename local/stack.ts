/**
 * The whole service on one machine: DynamoDB Local, s3rver, the tables,
 * bucket and a development token, and the local API Gateway stand-in in
 * front of the real handlers. Used by `npm start` (bin/local.ts) and by the
 * tests (test/support/backends.ts), so e2e tests run the real stack in-process.
 */
import { mkdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { ALLOW_LOOPBACK_TARGETS_ENV, BUCKET_ENV, TABLE_ENV, loadConfig, type Config, type TableNames } from '../lambdas/config';
import { DynamoTokenStore } from '../lambdas/store/token-store';
import { ensureBucket, ensureDevToken, ensureTables } from './bootstrap';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDbLocal,
  startS3rver,
  type RunningDynamoDb,
  type RunningS3,
} from './emulators';
import { takeLock } from './lock';
import { createLocalServer, type LocalServerOptions } from './server';
import type { AppendListener } from '../lambdas/core/log/appends';
import { startStreamPoller, type DispatchWrapper } from './stream-poller';
import { attachLiveServer, type LocalLive } from './live-server';

/** Table and bucket names of one stack; `prefix` defaults to `tributary`. */
export function localResourceNames(prefix = 'tributary'): { tables: TableNames; bucket: string } {
  const keys = Object.keys(TABLE_ENV) as (keyof TableNames)[];
  const tables = Object.fromEntries(keys.map((key) => [key, `${prefix}-${key}`])) as unknown as TableNames;
  return { tables, bucket: `${prefix}-data` };
}

/** Where the emulators answer. */
export interface Endpoints {
  dynamodbEndpoint: string;
  s3Endpoint: string;
}

/** The environment the handlers read (see lambdas/config.ts) for a stack on these endpoints. */
export function stackEnv(endpoints: Endpoints, names: { tables: TableNames; bucket: string }): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodbEndpoint,
    AWS_ENDPOINT_URL_S3: endpoints.s3Endpoint,
    TRIBUTARY_S3_FORCE_PATH_STYLE: '1',
    TRIBUTARY_EXPOSE_CAPACITY: '1',
    // Push subscriptions may deliver to a receiver on this machine (and only here).
    [ALLOW_LOOPBACK_TARGETS_ENV]: '1',
    [BUCKET_ENV]: names.bucket,
  };
  for (const key of Object.keys(TABLE_ENV) as (keyof TableNames)[]) env[TABLE_ENV[key]] = names.tables[key];
  return env;
}

/** Options of {@link startLocalStack}. */
export interface LocalStackOptions {
  /** Keeps data here (`dynamodb/`, `s3/`, `dev-token`, pid and lock files); undefined: in-memory and a temp dir. */
  dataDir?: string;
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Run the retention archiver every this many milliseconds (default: not at all). */
  archiveIntervalMs?: number;
  /**
   * The stream dispatcher: polls DynamoDB Local's stream on the log table
   * and runs the retry sweep, as the event source mapping and the schedule
   * do on AWS (default: on, polling every 200 ms, sweeping every second).
   */
  dispatcher?: false | { pollIntervalMs?: number; sweepIntervalMs?: number; around?: DispatchWrapper };
  /** Use emulators that are already running instead of starting them (tests). */
  emulators?: Endpoints;
  /** Prefix of the table and bucket names (default `tributary`). */
  prefix?: string;
  /**
   * Serve live notifications at /v1/live, woken by the stream dispatcher
   * (default: on whenever the dispatcher runs; without it no notification
   * would ever come, so clients long-poll instead).
   */
  liveNotifications?: boolean;
  /** Handler loading, authorizer cache TTL, access log … of the HTTP server. */
  server?: LocalServerOptions;
  log?: (line: string) => void;
}

/** A running local stack. */
export interface LocalStack {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Development token with every permission. */
  readonly token: string;
  /** The variables set on process.env for the handlers. */
  readonly env: Readonly<Record<string, string>>;
  readonly config: Config;
  /** Pid of the DynamoDB Local this stack started (undefined with `emulators`). */
  readonly dynamodbPid: number | undefined;
  /**
   * Live notifications at `ws://127.0.0.1:<port>/v1/live`; `live.listener` is
   * the AppendListener the stream poller (dispatcher) must wake.
   */
  readonly live: LocalLive;
  /** Closes the server, then stops the emulators this stack started. */
  stop(): Promise<void>;
}

/** Starts the stack; resolves once it answers HTTP requests. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dataDir = options.dataDir;
  const lockFile = dataDir ? join(dataDir, 'stack.lock') : undefined;
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step().catch((e: unknown) => log(`stop: ${String(e)}`));
  };
  try {
    if (dataDir && lockFile) {
      mkdirSync(dataDir, { recursive: true });
      takeLock(lockFile);
      cleanups.push(async () => rmSync(lockFile, { force: true }));
    }
    let endpoints = options.emulators;
    let dynamodb: RunningDynamoDb | undefined;
    if (!endpoints) {
      const [d, s] = await Promise.allSettled([
        startDynamoDbLocal(dataDir ? { dbPath: join(dataDir, 'dynamodb'), pidFile: join(dataDir, 'dynamodb.pid') } : {}),
        startS3rver(dataDir ? { directory: join(dataDir, 's3') } : {}),
      ]);
      for (const started of [d, s]) if (started.status === 'fulfilled') cleanups.push(() => started.value.stop());
      if (d.status === 'rejected') throw d.reason;
      if (s.status === 'rejected') throw s.reason;
      dynamodb = d.value;
      endpoints = { dynamodbEndpoint: d.value.endpoint, s3Endpoint: (s.value as RunningS3).endpoint };
    }

    const names = localResourceNames(options.prefix);
    const env = stackEnv(endpoints, names);
    // The handlers read process.env on their first invocation, so it must be complete before that.
    Object.assign(process.env, env);
    const config = loadConfig(env);

    const plain = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    const ddb = new DynamoDBClient({ ...plain, endpoint: endpoints.dynamodbEndpoint });
    const s3 = new S3Client({ ...plain, endpoint: endpoints.s3Endpoint, forcePathStyle: true });
    let token: string;
    try {
      await Promise.all([ensureTables(ddb, names.tables), ensureBucket(s3, names.bucket)]);
      const store = new DynamoTokenStore(DynamoDBDocumentClient.from(ddb), names.tables.tokens);
      ({ token } = await ensureDevToken(store, dataDir ? join(dataDir, 'dev-token') : undefined));
    } finally {
      ddb.destroy();
      s3.destroy();
    }

    // The retention archiver: the same code as the scheduled Lambda, every archiveIntervalMs
    // (LOCAL_ARCHIVE_INTERVAL_MS), over every partition in-process; a run never overlaps the last.
    if (options.archiveIntervalMs !== undefined) cleanups.push(startArchiverTimer(options.archiveIntervalMs, log));

    // Push delivery and live notifications: DynamoDB Local's stream wakes the
    // same dispatcher code as the Lambda's, with the local `ws` server's
    // notifier as one more listener (set once the server is up).
    let liveListener: AppendListener | undefined;
    if (options.dispatcher !== false) {
      // Imported here, as the handlers are: the runtime reads process.env (complete by now) on first use.
      const { getRuntime } = await import('../lambdas/runtime');
      cleanups.push(
        await startStreamPoller({
          endpoint: endpoints.dynamodbEndpoint,
          region: LOCAL_REGION,
          credentials: LOCAL_CREDENTIALS,
          logTable: names.tables.log,
          listeners: () => (liveListener ? [...getRuntime().appendListeners, liveListener] : getRuntime().appendListeners),
          sweep: () => getRuntime().subscriptionDispatcher.sweep(),
          pollIntervalMs: options.dispatcher?.pollIntervalMs,
          sweepIntervalMs: options.dispatcher?.sweepIntervalMs,
          around: options.dispatcher?.around,
          log,
        }),
      );
    }

    const server = createLocalServer({ log, ...options.server });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new Error(`Port ${options.port} is already in use; set PORT`) : error),
      );
      server.listen(options.port ?? 0, '127.0.0.1', resolve);
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          const force = setTimeout(() => server.closeAllConnections(), 1000);
          server.close(() => (clearTimeout(force), resolve()));
          server.closeIdleConnections();
        }),
    );
    // Pushed after the server's close, so it runs first (cleanups run in reverse): upgraded sockets keep a server open.
    const live = attachLiveServer(server, { log, serve: options.liveNotifications ?? options.dispatcher !== false });
    cleanups.push(() => live.close());
    liveListener = live.listener;
    const { port } = server.address() as AddressInfo;
    return {
      live,
      url: `http://127.0.0.1:${port}`,
      token,
      env,
      config,
      dynamodbPid: dynamodb?.pid,
      stop: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Runs the archiver over every partition every `intervalMs`; returns its stop. */
function startArchiverTimer(intervalMs: number, log: (line: string) => void): () => Promise<void> {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = (async () => {
      const { getRuntime } = await import('../lambdas/runtime');
      const reports = await getRuntime().archiver.runAll();
      const written = reports.reduce((n, r) => n + r.segmentsWritten, 0);
      const deleted = reports.reduce((n, r) => n + r.segmentsDeleted, 0);
      if (written + deleted > 0) log(`archiver: ${written} segment(s) written, ${deleted} expired`);
    })()
      .catch((error: unknown) => log(`archiver run failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => (running = undefined));
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
