/**
 * `tributary groups list --topic T`: who reads a topic, with lag and live members;
 * `tributary groups describe G --topic T`: committed offsets, lag and lease
 * holders per partition; `tributary groups reset`: offset reset with a
 * dry run that prints the plan (as `kafka-consumer-groups --reset-offsets`).
 */
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { integer } from '../options';
import { isoTime, printJson, printLine, printTable, type OutputOptions } from '../output';
import { partitionList, resetTarget, type ResetOptions } from '../reset-options';
import { UsageError } from '../usage-error';

export function registerGroups(program: Command, context: CliContext): void {
  const groups = program.command('groups').description('inspect consumer groups');

  groups
    .command('list')
    .description('the consumer groups, share groups and subscriptions reading a topic, with total lag and live members')
    .requiredOption('-t, --topic <topic>', 'topic to list the readers of')
    .option('--json', 'print the API answer as JSON')
    .action(async (options: OutputOptions & { topic: string }) => {
      const readers = await context.client().admin.listTopicGroups(options.topic);
      if (options.json) return printJson({ groups: readers });
      if (readers.length === 0) return printLine(`Nothing reads topic ${options.topic} yet.`);
      await printTable(
        ['Group', 'Type', 'Lag', 'Members'],
        readers.map((r) => [r.group, r.type, r.lag, r.members]),
        ['left', 'left', 'right', 'right'],
      );
    });

  groups
    .command('describe')
    .description("a group's committed offset, end offset, lag and lease holder per partition of a topic")
    .argument('<group>')
    .requiredOption('-t, --topic <topic>', 'topic the group reads')
    .option('--json', 'print the API answer as JSON')
    .action(async (group: string, options: OutputOptions & { topic: string }) => {
      const description = await context.client().admin.describeGroup(group, options.topic);
      if (options.json) return printJson(description);
      const lag = description.partitions.reduce((sum, p) => sum + p.lag, 0);
      await printLine(`Group ${description.group} on topic ${description.topic}: total lag ${lag}`);
      await printTable(
        ['Partition', 'Committed offset', 'End offset', 'Lag', 'Consumer', 'Lease expires'],
        description.partitions.map((p) => [p.partition, p.committedOffset, p.endOffset, p.lag, p.consumerId, isoTime(p.leaseExpiresAt)]),
        ['right', 'right', 'right', 'right', 'left', 'left'],
      );
    });

  groups
    .command('reset')
    .description("move a group's committed offsets; prints the plan unless --execute (as kafka-consumer-groups --reset-offsets)")
    .requiredOption('-g, --group <group>', 'the consumer group')
    .requiredOption('-t, --topic <topic>', 'topic the group reads')
    .option('--to-earliest', 'to the start offset')
    .option('--to-latest', 'to the end offset (skip everything so far)')
    .option('--to-offset <n>', 'to this offset (clamped to the readable range)', integer(0))
    .option('--to-datetime <iso>', 'to the first record at or after this time (e.g. 2026-12-04T10:00:00Z)')
    .option('--shift-by <n>', 'by n from the current offsets (negative: back)', integer(-Number.MAX_SAFE_INTEGER))
    .option('--partitions <list>', 'only these partitions, e.g. 0,1 (default: all)')
    .option('--force', "revoke live consumers' leases instead of failing with GROUP_ACTIVE")
    .option('--dry-run', 'print the plan and change nothing (the default)')
    .option('--execute', 'apply the reset')
    .option('--json', 'print the API answer as JSON')
    .action(async (options: ResetOptions & OutputOptions) => {
      if (options.dryRun && options.execute) throw new UsageError('give either --dry-run or --execute, not both.');
      const to = resetTarget(options);
      const result = await context.client().admin.resetGroupOffsets(options.group, {
        topic: options.topic,
        to,
        ...(options.partitions !== undefined ? { partitions: partitionList(options.partitions) } : {}),
        ...(options.force ? { force: true } : {}),
        dryRun: !options.execute,
      });
      if (options.json) return printJson(result);
      await printLine(
        options.execute
          ? `Reset group ${result.group} on topic ${result.topic}:`
          : `Plan for group ${result.group} on topic ${result.topic} (dry run; add --execute to apply):`,
      );
      await printTable(
        ['Partition', 'Current committed', 'New offset'],
        result.offsets.map((o) => [o.partition, o.previousOffset, o.committedOffset]),
        ['right', 'right', 'right'],
      );
    });

  groups
    .command('remove-consumer')
    .description("release a consumer's leases at once (as if it had left)")
    .argument('<group>')
    .argument('<consumer-id>')
    .requiredOption('-t, --topic <topic>', 'topic the group reads')
    .action(async (group: string, consumerId: string, options: { topic: string }) => {
      await context.client().admin.removeConsumer(group, options.topic, consumerId);
      await printLine(`Released the leases of ${consumerId} in group ${group}.`);
    });
}
