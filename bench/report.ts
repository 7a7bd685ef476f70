/**
 * Output: a progress bar on stderr while the bench runs (when stderr is a
 * terminal; otherwise one line per scenario), then the results table and
 * the targets on stdout, and `bench/results.json`.
 */
import { writeFileSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import type { ScenarioResult } from './scenario';

export class Progress {
  private bar: SingleBar | undefined;
  private readonly tty = Boolean(process.stderr.isTTY);

  start(scenario: string, total: number): void {
    this.stop();
    if (!this.tty) {
      process.stderr.write(`bench: ${scenario} (${total} records)\n`);
      return;
    }
    this.bar = new SingleBar({
      format: '{scenario} [{bar}] {value}/{total} records | {eta_formatted} left',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    });
    this.bar.start(total, 0, { scenario: scenario.padEnd(24) });
  }

  increment(n: number): void {
    this.bar?.increment(n);
  }

  note(line: string): void {
    this.stop();
    process.stderr.write(`${line}\n`);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

const fmt = (n: number | null | undefined, digits = 3): string => {
  if (n === null || n === undefined) return '–';
  if (n === 0) return '0';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return Number(n.toPrecision(digits)).toString();
};

export function resultsTable(results: readonly ScenarioResult[]): string {
  const table = new Table({
    head: ['scenario', 'records', 'rec/s', 'MB/s', 'p50 ms', 'p99 ms', 'DDB req', 'WRU', 'RRU', 'S3 req', 'API', 'λ inv', '$ / M', 'SQS $/M', 'Kinesis $/M'],
    style: { head: [], border: [] },
    colAligns: ['left', ...Array<'right'>(14).fill('right')],
  });
  for (const r of results) {
    table.push([
      r.name,
      fmt(r.records),
      fmt(r.recordsPerSec),
      fmt(r.mbPerSec),
      fmt(r.p50Ms),
      fmt(r.p99Ms),
      fmt(r.ddbRequestsPerRecord),
      fmt(r.wruPerRecord),
      fmt(r.rruPerRecord),
      fmt(r.s3RequestsPerRecord),
      fmt(r.apiCallsPerRecord),
      fmt(r.lambdaInvocationsPerRecord),
      r.kind === 'idle' ? `$${fmt(r.usdPerIdleConsumerMonth)}/mo` : fmt(r.usdPerMillion),
      r.kind === 'idle' ? `$${fmt(Number(r.extra?.sqsUsdPerIdleConsumerMonth))}/mo` : fmt(r.sqsUsdPerMillion),
      fmt(r.kinesisUsdPerMillion),
    ]);
  }
  return table.toString();
}

export interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean;
}

export function targetsTable(targets: readonly Target[]): string {
  const table = new Table({ head: ['target', 'goal', 'measured', 'met'], style: { head: [], border: [] } });
  for (const t of targets) table.push([t.name, t.goal, t.measured, t.met ? 'yes' : 'NO']);
  return table.toString();
}

export function writeResults(path: string, payload: unknown): void {
  writeFileSync(path, `${JSON.stringify(payload, null, 2)}\n`);
}
