/**
 * `tributary produce TOPIC`: one record per stdin line, sent in batches
 * (each with its own Idempotency-Key, so retries store nothing twice), with
 * a progress bar when stderr is a terminal.
 */
import { fstatSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { MAX_RECORDS_PER_REQUEST, type ProducerRecord, type RecordPosition } from '../..';
import type { CliContext } from '../context';
import { recordFromLine } from '../line-records';
import { header, integer } from '../options';
import { printJson, printLine, printTable, type OutputOptions } from '../output';

interface ProduceOptions extends OutputOptions {
  key?: string;
  partition?: number;
  header?: Record<string, string>;
  batchSize: number;
}

interface PartitionSummary {
  partition: number;
  count: number;
  firstOffset: number;
  lastOffset: number;
}

/** Counts records and offset ranges per partition as batches come back. */
class Summary {
  private readonly partitions = new Map<number, PartitionSummary>();
  records = 0;

  add(results: RecordPosition[]): void {
    for (const { partition, offset } of results) {
      this.records++;
      const p = this.partitions.get(partition);
      if (!p) this.partitions.set(partition, { partition, count: 1, firstOffset: offset, lastOffset: offset });
      else {
        p.count++;
        p.firstOffset = Math.min(p.firstOffset, offset);
        p.lastOffset = Math.max(p.lastOffset, offset);
      }
    }
  }

  byPartition(): PartitionSummary[] {
    return [...this.partitions.values()].sort((a, b) => a.partition - b.partition);
  }
}

/** A bar over stdin's bytes when it is a file, else a running count; only on a terminal. */
function progressBar(topic: string): { update(records: number, bytes: number): void; stop(): void } {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  let total = 0;
  try {
    const stat = fstatSync(0);
    if (stat.isFile()) total = stat.size;
  } catch {
    // stdin without a size (a pipe): count only
  }
  const bar = new SingleBar({
    stream: process.stderr,
    format: total > 0 ? `Producing to ${topic} [{bar}] {percentage}% | {records} records` : `Producing to ${topic} | {records} records`,
    hideCursor: true,
    clearOnComplete: false,
  });
  bar.start(Math.max(total, 1), 0, { records: 0 });
  return {
    update: (records, bytes) => bar.update(total > 0 ? Math.min(bytes, total) : 0, { records }),
    stop: () => bar.stop(),
  };
}

export function registerProduce(program: Command, context: CliContext): void {
  program
    .command('produce')
    .description('produce one record per stdin line (its JSON value if the line parses as JSON, else the line as a string; empty lines are skipped)')
    .argument('<topic>')
    .option('-k, --key <key>', 'key of every record (same key, same partition)')
    .option('-p, --partition <n>', 'send every record to this partition', integer(0, 999))
    .option('-H, --header <name=value>', 'a header on every record (repeatable)', header)
    .option('--batch-size <n>', 'records per request (1 to 500)', integer(1, MAX_RECORDS_PER_REQUEST), MAX_RECORDS_PER_REQUEST)
    .option('--json', 'print {"topic", "records", "partitions": [{"partition", "count", "firstOffset", "lastOffset"}]}')
    .addHelpText('after', '\nExample:\n  seq 1 1000 | tributary produce orders')
    .action(async (topic: string, options: ProduceOptions) => {
      const producer = context.client().producer({ maxBatchRecords: options.batchSize, lingerMs: 0 });
      const summary = new Summary();
      const bar = progressBar(topic);
      let batch: ProducerRecord[] = [];
      let bytesRead = 0;
      const flush = async () => {
        if (batch.length === 0) return;
        const records = batch;
        batch = [];
        summary.add(await producer.send({ topic, records }));
        bar.update(summary.records, bytesRead);
      };
      try {
        const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
        for await (const line of lines) {
          bytesRead += Buffer.byteLength(line) + 1;
          const record = recordFromLine(line, { key: options.key, partition: options.partition, headers: options.header });
          if (record) batch.push(record);
          if (batch.length >= options.batchSize) await flush();
        }
        await flush();
      } catch (error) {
        bar.stop();
        // Earlier batches are stored: say how far it got, so a rerun can skip them.
        process.stderr.write(`${summary.records} record(s) were stored before the error.\n`);
        throw error;
      }
      bar.stop();
      const partitions = summary.byPartition();
      if (options.json) return printJson({ topic, records: summary.records, partitions });
      await printLine(`Produced ${summary.records} record(s) to ${topic}.`);
      if (partitions.length > 0) {
        await printTable(
          ['Partition', 'Records', 'First offset', 'Last offset'],
          partitions.map((p) => [p.partition, p.count, p.firstOffset, p.lastOffset]),
          ['right', 'right', 'right', 'right'],
        );
      }
    });
}
