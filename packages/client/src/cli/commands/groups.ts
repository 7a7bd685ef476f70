/**
 * `tributary groups list --topic T`: who reads a topic, with lag and live members;
 * `tributary groups describe G --topic T`: committed offsets, lag and lease holders per partition.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { isoTime, printJson, printLine, printTable, type OutputOptions } from '../output';

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
