/** `tributary fetch TOPIC --partition P`: reads a partition by offset (no group, nothing committed), one JSON line per record. */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { FetchStart } from '../..';
import type { CliContext } from '../context';
import { integer } from '../options';
import { UsageError } from '../usage-error';
import { recordLine, writeOut, type OutputOptions } from '../output';

interface FetchOptions extends OutputOptions {
  partition: number;
  offset?: number | 'earliest' | 'latest';
  fromTimestamp?: number;
  limit: number;
  waitMs?: number;
}

function offsetOption(value: string): number | 'earliest' | 'latest' {
  if (value === 'earliest' || value === 'latest') return value;
  if (/^\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  throw new InvalidArgumentError("expected an offset, 'earliest' or 'latest'.");
}

/** The API's page limit. */
const MAX_PAGE = 1000;

export function registerFetch(program: Command, context: CliContext): void {
  program
    .command('fetch')
    .description('read records of one partition from an offset or a time (replay), one JSON line per record')
    .argument('<topic>')
    .requiredOption('-p, --partition <n>', 'partition', integer(0, 999))
    .option('-o, --offset <offset>', "an offset, 'earliest' or 'latest' (default earliest)", offsetOption)
    .option('--from-timestamp <ms>', 'start at the first record at or after this time (epoch ms)', integer(0))
    .option('-l, --limit <n>', 'at most this many records (pages through the partition)', integer(1), 100)
    .option('--wait-ms <ms>', 'long-poll each request up to this long when no record is there yet', integer(0, 20_000))
    .option('--json', 'accepted for symmetry: records are always printed as JSON lines')
    .action(async (topic: string, options: FetchOptions) => {
      if (options.offset !== undefined && options.fromTimestamp !== undefined) {
        throw new UsageError('give --offset or --from-timestamp, not both');
      }
      const client = context.client();
      let start: FetchStart =
        options.fromTimestamp !== undefined ? { fromTimestamp: options.fromTimestamp } : { offset: options.offset ?? 'earliest' };
      let remaining = options.limit;
      while (remaining > 0) {
        const page = await client.fetch({
          topic,
          partition: options.partition,
          ...start,
          limit: Math.min(remaining, MAX_PAGE),
          waitMs: options.waitMs,
        });
        if (page.records.length === 0) break;
        await writeOut(page.records.map((r) => `${recordLine(r)}\n`).join(''));
        remaining -= page.records.length;
        if (page.nextOffset >= page.endOffset) break; // caught up with the partition's end
        start = { offset: page.nextOffset };
      }
    });
}
