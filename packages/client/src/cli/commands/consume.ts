/**
 * `tributary consume TOPIC --group G`: prints one JSON line per record and
 * commits exactly what it printed, after each poll's lines are written.
 * Stops after `--max` records, or (without `--follow`) at the first poll
 * that returns nothing; Ctrl-C stops it cleanly. It leaves the group on the
 * way out so its partitions are free for others at once.
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { NotLeaseHolderError, type Consumer, type DeliveredRecord, type RecordWaiter } from '../..';
import type { CliContext } from '../context';
import { integer } from '../options';
import { note, recordLine, writeOut, type OutputOptions } from '../output';

interface ConsumeOptions extends OutputOptions {
  group: string;
  fromBeginning?: boolean;
  max?: number;
  follow?: boolean;
  consumerId?: string;
  batchSize: number;
  waitMs?: number;
  sessionTimeoutMs?: number;
}

/** Without --follow, a poll waits this long for records before the command calls the topic drained. */
const DRAIN_WAIT_MS = 1_000;
const FOLLOW_WAIT_MS = 20_000;

/** The next offset to read per partition, after the given records (commit convention). */
export function commitOffsets(records: readonly DeliveredRecord[]): Array<{ partition: number; offset: number }> {
  const next = new Map<number, number>();
  for (const r of records) next.set(r.partition, Math.max(next.get(r.partition) ?? 0, r.offset + 1));
  return [...next].map(([partition, offset]) => ({ partition, offset }));
}

/** With --follow and a live connection, poll at least this often while idle (a lost notification costs at most this). */
const LIVE_MAX_IDLE_MS = 600_000;

/**
 * The next poll's wait: with --follow and a live connection, an idle
 * consumer first waits for a notification and then polls with waitMs 0
 * (falling back to the long poll while the connection is unavailable).
 */
async function nextWaitMs(options: ConsumeOptions, topic: string, idle: boolean, signal: AbortSignal, live: RecordWaiter | undefined) {
  const longPoll = options.waitMs ?? (options.follow ? FOLLOW_WAIT_MS : DRAIN_WAIT_MS);
  if (!live || !options.follow) return longPoll;
  if (!idle) return 0;
  const outcome = await live.waitForRecords(topic, signal, LIVE_MAX_IDLE_MS);
  return outcome === 'unavailable' ? longPoll : 0;
}

async function consumeLoop(consumer: Consumer, options: ConsumeOptions, signal: AbortSignal, live?: RecordWaiter): Promise<number> {
  const max = options.max ?? Number.POSITIVE_INFINITY;
  let printed = 0;
  let idle = true;
  while (printed < max && !signal.aborted) {
    let records: DeliveredRecord[];
    const waitMs = await nextWaitMs(options, consumer.topic, idle, signal, live);
    if (signal.aborted) break;
    try {
      ({ records } = await consumer.poll({ maxRecords: Math.min(options.batchSize, max - printed), waitMs, signal }));
    } catch (error) {
      if (signal.aborted) break; // Ctrl-C during a long poll
      throw error;
    }
    idle = records.length === 0;
    if (records.length === 0) {
      if (options.follow) continue;
      break;
    }
    const shown = records.slice(0, max - printed);
    await writeOut(shown.map((r) => `${recordLine(r)}\n`).join(''));
    printed += shown.length;
    try {
      await consumer.commit(commitOffsets(shown));
    } catch (error) {
      // The lease moved on (a poll came later than the session timeout): another consumer gets these records again.
      if (!(error instanceof NotLeaseHolderError)) throw error;
      process.stderr.write(`warning: ${error.message} The printed records were not committed.\n`);
    }
  }
  return printed;
}

export function registerConsume(program: Command, context: CliContext): void {
  program
    .command('consume')
    .description('consume a topic as a member of a group: one JSON line per record, committing what was printed')
    .argument('<topic>')
    .requiredOption('-g, --group <group>', 'consumer group')
    .option('--from-beginning', 'a group with no committed offset starts at the earliest record (default: only new records)')
    .option('-n, --max <n>', 'stop after this many records', integer(1))
    .option('-f, --follow', 'keep polling for new records (until --max, or Ctrl-C)')
    .option('--consumer-id <id>', 'consumer id in the group (default: cli-<hostname>-<pid>)')
    .option('--batch-size <n>', 'records per poll (1 to 1000)', integer(1, 1000), 500)
    .option('--wait-ms <ms>', `long-poll wait per poll (default ${DRAIN_WAIT_MS}, with --follow ${FOLLOW_WAIT_MS})`, integer(0, 20_000))
    .option('--session-timeout-ms <ms>', 'lease lifetime after each poll (1000 to 300000)', integer(1000, 300_000))
    .option('--json', 'accepted for symmetry: records are always printed as JSON lines')
    .addHelpText(
      'after',
      '\nEach line: {"partition","offset","key","value","headers","timestamp"} (binary values as "valueBase64").\n' +
        'Without --follow or --max it stops at the first poll that returns nothing.',
    )
    .action(async (topic: string, options: ConsumeOptions) => {
      const client = context.client();
      // --follow waits on live notifications when the server offers them (else long polls).
      const live = options.follow ? client.live : undefined;
      const consumer = client.consumer({
        group: options.group,
        topic,
        consumerId: options.consumerId ?? `cli-${hostname().replace(/[^a-zA-Z0-9._:@-]/g, '-').slice(0, 150)}-${process.pid}`,
        autoOffsetReset: options.fromBeginning ? 'earliest' : 'latest',
        sessionTimeoutMs: options.sessionTimeoutMs,
      });
      live?.retain(topic);
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const printed = await consumeLoop(consumer, options, stop.signal, live);
        note(`Consumed ${printed} record(s) from ${topic} as group ${options.group}.`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        live?.release(topic);
        await consumer.leave().catch(() => undefined); // leases lapse after the session timeout anyway
      }
    });
}
