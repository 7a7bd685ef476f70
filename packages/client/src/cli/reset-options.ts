/** The pure rules of `tributary groups reset`'s options (no commander: unit-testable). */
import type { OffsetResetTarget } from '../types';
import { UsageError } from './usage-error';

/** The options of `tributary groups reset`, as commander gives them. */
export interface ResetOptions {
  group: string;
  topic: string;
  toEarliest?: boolean;
  toLatest?: boolean;
  toOffset?: number;
  toDatetime?: string;
  shiftBy?: number;
  partitions?: string;
  force?: boolean;
  dryRun?: boolean;
  execute?: boolean;
}

/** The one `--to-*`/`--shift-by` option given, as the API's `to`. */
export function resetTarget(options: ResetOptions): OffsetResetTarget {
  const given: OffsetResetTarget[] = [];
  if (options.toEarliest) given.push('earliest');
  if (options.toLatest) given.push('latest');
  if (options.toOffset !== undefined) given.push({ offset: options.toOffset });
  if (options.toDatetime !== undefined) {
    const timestamp = Date.parse(options.toDatetime);
    if (Number.isNaN(timestamp) || timestamp < 0) throw new UsageError(`--to-datetime: '${options.toDatetime}' is not an ISO 8601 date-time.`);
    given.push({ timestamp });
  }
  if (options.shiftBy !== undefined) given.push({ shiftBy: options.shiftBy });
  const [target, ...more] = given;
  if (target === undefined || more.length > 0) {
    throw new UsageError('give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by.');
  }
  return target;
}

/** `--partitions 0,1,5`. */
export function partitionList(value: string): number[] {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d{1,4}$/.test(p))) throw new UsageError(`--partitions: expected a list like 0,1,2, got '${value}'.`);
  return parts.map(Number);
}

