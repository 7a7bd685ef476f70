/**
 * `tributary share receive|ack|describe|reset`: a share group from the
 * command line. `receive` prints one JSON line per acquired record (with its
 * `lockToken`) and, with `--accept`, accepts what it printed; `ack` settles
 * records by token, e.g. from a script that processed `receive`'s lines.
 */
import type { Command } from 'commander';
import type { AckType, ResetTo, ShareAck } from '../..';
import type { CliContext } from '../context';
import { integer } from '../options';
import { UsageError } from '../usage-error';
import { note, printJson, printLine, printTable, writeOut, type OutputOptions } from '../output';

interface ReceiveOptions {
  topic: string;
  max: number;
  waitMs: number;
  lockMs?: number;
  fromBeginning?: boolean;
  consumerId?: string;
  filterKey?: string[];
  accept?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `--to earliest|latest|offset:N|timestamp:T|shift:N` → the API's `to`. */
export function parseResetTo(text: string): ResetTo {
  if (text === 'earliest' || text === 'latest') return text;
  const match = /^(offset|timestamp|shift):(-?\d{1,16})$/.exec(text);
  if (!match) throw new UsageError(`--to must be earliest, latest, offset:N, timestamp:T or shift:N, got '${text}'`);
  const n = Number(match[2]);
  if (match[1] === 'shift') return { shiftBy: n };
  if (n < 0) throw new UsageError(`--to ${match[1]} must not be negative`);
  return match[1] === 'offset' ? { offset: n } : { timestamp: n };
}

export function registerShare(program: Command, context: CliContext): void {
  const share = program.command('share').description('share groups: a work queue with per-record locks and acks');

  share
    .command('receive')
    .description('acquire records under a lock; one JSON line per record, with its lockToken')
    .argument('<group>')
    .requiredOption('-t, --topic <topic>', 'topic the group reads')
    .option('-n, --max <n>', 'records to acquire (1 to 1000)', integer(1, 1000), 10)
    .option('--wait-ms <ms>', 'long-poll wait (0 to 20000)', integer(0, 20_000), 1000)
    .option('--lock-ms <ms>', 'lock length (1000 to 43200000, server default 30000)', integer(1000, 43_200_000))
    .option('--from-beginning', "the group's first receive starts at the earliest record (default: only new records)")
    .option('--consumer-id <id>', 'consumer id (counted as a member)')
    .option('--filter-key <pattern>', 'only records whose key matches (RabbitMQ topic pattern; repeatable)', collect)
    .option('--accept', 'accept the printed records at once (at-most-once from here on)')
    .action(async (group: string, options: ReceiveOptions) => {
      const consumer = context.client().shareConsumer({
        group,
        topic: options.topic,
        lockMs: options.lockMs,
        autoOffsetReset: options.fromBeginning ? 'earliest' : 'latest',
        ...(options.consumerId ? { consumerId: options.consumerId } : {}),
        ...(options.filterKey ? { filter: { keys: options.filterKey } } : {}),
      });
      const records = await consumer.receive({ maxRecords: options.max, waitMs: options.waitMs });
      await writeOut(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      if (options.accept && records.length > 0) {
        const results = await consumer.ack(records.map((r) => ({ partition: r.partition, offset: r.offset, lockToken: r.lockToken, type: 'accept' })));
        note(`Accepted ${results.filter((r) => r.status === 'accepted').length} of ${records.length} record(s).`);
      } else {
        note(`Acquired ${records.length} record(s) from ${options.topic} as share group ${group}.`);
      }
    });

  share
    .command('ack')
    .description('settle records by lock token: accept, release, reject or renew')
    .argument('<group>')
    .requiredOption('-t, --topic <topic>', 'topic the group reads')
    .requiredOption('--type <type>', 'accept | release | reject | renew')
    .option('--token <partition:offset:lockToken>', 'a record to settle (repeatable)', collect)
    .option('--stdin', "read records to settle from standard input: the JSON lines `share receive` prints")
    .option('--delay-ms <ms>', 'release: offer again after this long (0 to 900000)', integer(0, 900_000))
    .option('--lock-ms <ms>', 'renew: the new lock length (1000 to 43200000)', integer(1000, 43_200_000))
    .option('--error <text>', 'reject: the error recorded with the dead letter')
    .option('--json', 'print the API answer as JSON')
    .action(async (group: string, options: OutputOptions & { topic: string; type: string; token?: string[]; stdin?: boolean; delayMs?: number; lockMs?: number; error?: string }) => {
      if (!['accept', 'release', 'reject', 'renew'].includes(options.type)) throw new UsageError(`--type must be accept, release, reject or renew, got '${options.type}'`);
      const targets = (options.token ?? []).map(parseTarget);
      if (options.stdin) targets.push(...(await readStdin()).map((line) => JSON.parse(line) as { partition: number; offset: number; lockToken: string }));
      if (targets.length === 0) throw new UsageError('name records with --token partition:offset:lockToken or --stdin');
      const extra = { ...(options.delayMs !== undefined ? { delayMs: options.delayMs } : {}), ...(options.lockMs !== undefined ? { lockMs: options.lockMs } : {}), ...(options.error ? { error: options.error } : {}) };
      const acks: ShareAck[] = targets.map((t) => ({ partition: t.partition, offset: t.offset, lockToken: t.lockToken, type: options.type as AckType, ...extra }));
      const consumer = context.client().shareConsumer({ group, topic: options.topic });
      const results = [];
      for (let i = 0; i < acks.length; i += 1000) results.push(...(await consumer.ack(acks.slice(i, i + 1000))));
      if (options.json) return printJson({ results });
      await printTable(['Partition', 'Offset', 'Status'], results.map((r) => [r.partition, r.offset, r.status]), ['right', 'right', 'left']);
    });

  share
    .command('describe')
    .description('start offset, end offset, acquired, available and dead-lettered records per partition')
    .argument('<group>')
    .requiredOption('-t, --topic <topic>', 'topic the group reads')
    .option('--json', 'print the API answer as JSON')
    .action(async (group: string, options: OutputOptions & { topic: string }) => {
      const d = await context.client().shareGroups.describe(group, options.topic);
      if (options.json) return printJson(d);
      const sum = (pick: (p: (typeof d.partitions)[number]) => number | null) => d.partitions.reduce((n, p) => n + (pick(p) ?? 0), 0);
      await printLine(`Share group ${d.group} on topic ${d.topic}: ${sum((p) => p.available)} available, ${sum((p) => p.acquired)} acquired, ${sum((p) => p.deadLettered)} dead-lettered`);
      await printTable(
        ['Partition', 'Start offset', 'End offset', 'Acquired', 'Available', 'Dead-lettered'],
        d.partitions.map((p) => [p.partition, p.startOffset, p.endOffset, p.acquired, p.available, p.deadLettered]),
        ['right', 'right', 'right', 'right', 'right', 'right'],
      );
    });

  share
    .command('reset')
    .description("move a share group's start offset (locks in the reset range are dropped)")
    .argument('<group>')
    .requiredOption('-t, --topic <topic>', 'topic the group reads')
    .requiredOption('--to <position>', 'earliest | latest | offset:N | timestamp:T (epoch ms) | shift:N')
    .option('-p, --partition <n>', 'only this partition (repeatable)', (v: string, prev: number[] = []) => [...prev, integer(0, 999)(v)])
    .option('--json', 'print the API answer as JSON')
    .action(async (group: string, options: OutputOptions & { topic: string; to: string; partition?: number[] }) => {
      const result = await context.client().shareGroups.reset(group, options.topic, parseResetTo(options.to), options.partition);
      if (options.json) return printJson(result);
      await printTable(['Partition', 'Start offset'], result.offsets.map((o) => [o.partition, o.committedOffset]), ['right', 'right']);
    });
}

function parseTarget(text: string): { partition: number; offset: number; lockToken: string } {
  const match = /^(\d{1,4}):(\d{1,16}):(.+)$/.exec(text);
  if (!match) throw new UsageError(`--token must be partition:offset:lockToken, got '${text}'`);
  return { partition: Number(match[1]), offset: Number(match[2]), lockToken: match[3] as string };
}

async function readStdin(): Promise<string[]> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.split('\n').filter((line) => line.trim() !== '');
}
