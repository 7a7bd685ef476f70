/**
 * The local stack's lock on its data directory (`.local/stack.lock`): a
 * second stack on the same directory would kill the first one's DynamoDB
 * Local and share its files. The lock names the holder's pid and its start
 * time (from /proc), so a lock left by a crash is recognized as stale even
 * when the pid now belongs to another process (pid reuse) or to a zombie,
 * where `kill(pid, 0)` alone still answers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface LockContent {
  pid: number;
  /** The holder's start time in clock ticks since boot (/proc/<pid>/stat field 22); undefined without /proc. */
  startTicks?: number;
}

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces and parentheses). */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The process's start time in clock ticks since boot, or undefined (no such process, or no /proc). */
export function processStartTicks(pid: number): number | undefined {
  const ticks = Number(procStat(pid)?.[19]); // field 22 of stat = index 19 after pid, comm, state…
  return Number.isFinite(ticks) ? ticks : undefined;
}

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when `pid` is a live process (not a zombie) and, when known, the very process that took the lock. */
function isHolder(lock: LockContent): boolean {
  if (!Number.isInteger(lock.pid) || lock.pid <= 0 || !signalable(lock.pid)) return false;
  const stat = procStat(lock.pid);
  if (!stat) return true; // no /proc (macOS): kill(pid, 0) is all we can tell
  const state = stat[0];
  if (state === 'Z' || state === 'X') return false; // exited, not yet reaped
  if (lock.startTicks !== undefined) return processStartTicks(lock.pid) === lock.startTicks;
  // A lock from an older version (pid only): the holder must at least be a Node process.
  try {
    return /node|tsx/.test(readFileSync(`/proc/${lock.pid}/cmdline`, 'utf8'));
  } catch {
    return false;
  }
}

function readLock(lockFile: string): LockContent | undefined {
  let text: string;
  try {
    text = readFileSync(lockFile, 'utf8').trim();
  } catch {
    return undefined;
  }
  if (/^\d+$/.test(text)) return { pid: Number(text) };
  try {
    const parsed = JSON.parse(text) as Partial<LockContent>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, ...(typeof parsed.startTicks === 'number' ? { startTicks: parsed.startTicks } : {}) } : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of the live stack holding `lockFile`, or undefined when the lock is free or stale. */
export function lockHolder(lockFile: string): number | undefined {
  const lock = readLock(lockFile);
  return lock && isHolder(lock) ? lock.pid : undefined;
}

/** Takes the lock for this process; throws when another live stack holds it. */
export function takeLock(lockFile: string): void {
  const holder = lockHolder(lockFile);
  if (holder !== undefined) {
    throw new Error(`Another local stack (pid ${holder}) is using ${join(lockFile, '..')}; stop it first`);
  }
  const startTicks = processStartTicks(process.pid);
  writeFileSync(lockFile, `${JSON.stringify({ pid: process.pid, ...(startTicks !== undefined ? { startTicks } : {}) })}\n`);
}
