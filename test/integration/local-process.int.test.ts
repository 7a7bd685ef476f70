/**
 * `npm start` as a real process tree (tsx → node → DynamoDB Local's JVM),
 * issue 16 §4: a refused second start leaves the running stack's
 * stack.json alone; a SIGKILL under load, of the stack's process or of tsx
 * above it, leaves no JVM behind; the lock is not fooled by a zombie or a
 * reused pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { lockHolder, processStartTicks, takeLock } from '../../local/lock';

const root = resolve(__dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Alive and not a zombie. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '');
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check(); await sleep(100)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `npm start`'s command (tsx bin/local.ts) on a free port with its data in `dir`. */
function startStack(dir: string): Started {
  const child = spawn(tsx, ['bin/local.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', TRIBUTARY_LOCAL_DIR: dir, LOCAL_ACCESS_LOG: '0', LOCAL_ARCHIVE_INTERVAL_MS: '600000' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => output, exited };
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { url: string; token: string; pid: number };

async function ready(dir: string, started: Started): Promise<{ url: string; token: string }> {
  await until(`the stack in ${dir} (output so far: ${started.output()})`, () => existsSync(join(dir, 'stack.json')), 150_000);
  return readJson(join(dir, 'stack.json'));
}

/** Kills whatever is left of a started stack (its process group and the JVM named in the pid file). */
function cleanUp(dir: string, started: Started | undefined): void {
  for (const pid of [started?.child.pid ? -started.child.pid : undefined, pidIn(join(dir, 'dynamodb.pid'))]) {
    if (pid === undefined) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

function pidIn(file: string): number | undefined {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text.startsWith('{') ? (JSON.parse(text) as { pid: number }).pid : Number(text);
  } catch {
    return undefined;
  }
}

describe('npm start as a process', () => {
  it('a start refused by the lock leaves the running stack, its stack.json and its JVM alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-proc-'));
    let first: Started | undefined;
    try {
      first = startStack(dir);
      const stack = await ready(dir, first);
      const before = readFileSync(join(dir, 'stack.json'), 'utf8');
      const second = startStack(dir);
      expect(await second.exited).toBe(1);
      expect(second.output()).toMatch(/Another local stack/);
      expect(readFileSync(join(dir, 'stack.json'), 'utf8')).toBe(before);
      const res = await fetch(`${stack.url}/v1/topics`, { headers: { Authorization: `Bearer ${stack.token}` } });
      expect(res.status).toBe(200);
      // A clean stop (SIGTERM, relayed by tsx) removes the file and the JVM.
      const jvm = pidIn(join(dir, 'dynamodb.pid')) as number;
      process.kill(first.child.pid as number, 'SIGTERM');
      expect(await first.exited).toBe(0);
      expect(existsSync(join(dir, 'stack.json'))).toBe(false);
      await until('the JVM to stop', () => !running(jvm), 15_000);
    } finally {
      cleanUp(dir, first);
    }
  }, 240_000);

  it.each([
    ['the stack process', 1],
    ['tsx above it', 2],
    ['the stack process', 3],
  ])('a SIGKILL of %s under load leaves no DynamoDB Local running (round %i)', async (victim) => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-proc-'));
    let started: Started | undefined;
    try {
      started = startStack(dir);
      const { url, token } = await ready(dir, started);
      const jvm = pidIn(join(dir, 'dynamodb.pid')) as number;
      const stackPid = pidIn(join(dir, 'stack.lock')) as number;
      expect(running(jvm)).toBe(true);
      const headers = { Authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      await fetch(`${url}/v1/topics`, { method: 'POST', headers, body: JSON.stringify({ name: 'load', partitions: 2 }) });
      let stop = false;
      const load = Array.from({ length: 8 }, async () => {
        while (!stop) {
          await fetch(`${url}/v1/topics/load/records`, { method: 'POST', headers, body: JSON.stringify({ records: [{ value: 1 }] }) }).catch(
            () => sleep(50),
          );
        }
      });
      await sleep(1500);
      process.kill(victim === 'tsx above it' ? (started.child.pid as number) : stackPid, 'SIGKILL');
      try {
        await until('the JVM to die', () => !running(jvm), 15_000);
        await until('the stack process to end', () => !running(stackPid), 15_000);
      } finally {
        stop = true;
        await Promise.all(load);
      }
    } finally {
      cleanUp(dir, started);
    }
  }, 240_000);
});

describe('the stack lock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-lock-'));
  const lockFile = join(dir, 'stack.lock');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is held by a live process that took it', async () => {
    takeLock(lockFile);
    expect(lockHolder(lockFile)).toBe(process.pid);
    expect(() => takeLock(lockFile)).toThrow(/Another local stack \(pid \d+\)/);
    rmSync(lockFile);
  });

  it('is free when its pid is a zombie (exited, not reaped)', async () => {
    // `sleep 30` (after exec) never reaps the background `sleep 0.3`, which stays a zombie once it ends.
    // (A child that has already ended before the exec, like `true`, may be reaped by the shell first.)
    const parent = spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = await new Promise<number>((r) => parent.stdout?.once('data', (d: Buffer) => r(Number(d.toString().trim()))));
      await until('the zombie', () => {
        try {
          return readFileSync(`/proc/${zombie}/stat`, 'utf8').includes(') Z ');
        } catch {
          return false;
        }
      }, 5000);
      process.kill(zombie, 0); // what the old check relied on: it answers
      writeFileSync(lockFile, `${JSON.stringify({ pid: zombie, startTicks: processStartTicks(zombie) })}\n`);
      expect(lockHolder(lockFile)).toBeUndefined();
      expect(() => takeLock(lockFile)).not.toThrow();
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('is free when its pid now belongs to another process (pid reused after a crash)', async () => {
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const pid = other.pid as number;
      // The lock's holder started at another time than the process that has the pid now.
      writeFileSync(lockFile, `${JSON.stringify({ pid, startTicks: (processStartTicks(pid) as number) - 100 })}\n`);
      expect(lockHolder(lockFile)).toBeUndefined();
      // An old-style lock (pid only) naming a process that is not a Node stack is stale too.
      writeFileSync(lockFile, `${pid}\n`);
      expect(lockHolder(lockFile)).toBeUndefined();
      expect(() => takeLock(lockFile)).not.toThrow();
      expect(lockHolder(lockFile)).toBe(process.pid);
    } finally {
      other.kill('SIGKILL');
    }
  });
});
