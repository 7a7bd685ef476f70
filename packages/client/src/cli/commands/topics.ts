/** `tributary topics create|list|describe|update|delete` */
import type { Command } from 'commander';
import { TopicExistsError, TopicNotFoundError, type TopicConfig, type TopicDescription } from '../..';
import type { CliContext } from '../context';
import { integer } from '../options';
import { isoTime, printJson, printLine, printTable, type OutputOptions } from '../output';

interface ConfigOptions {
  retentionMs?: number;
  retentionBytes?: number;
  archiveAfterMs?: number;
  maxDeliveryAttempts?: number;
}

function addConfigOptions(command: Command): Command {
  return command
    .option('--retention-ms <ms>', 'keep records this long (-1: forever)', integer(-1))
    .option('--retention-bytes <bytes>', 'keep at most this many bytes per partition (-1: unlimited)', integer(-1))
    .option('--archive-after-ms <ms>', 'move batches to S3 segments after this long', integer(0))
    .option('--max-delivery-attempts <n>', 'nacks before a record goes to the dead letters', integer(1, 1000));
}

function configOf(options: ConfigOptions): Partial<TopicConfig> {
  const { retentionMs, retentionBytes, archiveAfterMs, maxDeliveryAttempts } = options;
  return Object.fromEntries(
    Object.entries({ retentionMs, retentionBytes, archiveAfterMs, maxDeliveryAttempts }).filter(([, v]) => v !== undefined),
  );
}

async function printTopic(topic: TopicDescription, options: OutputOptions): Promise<void> {
  if (options.json) return printJson(topic);
  const created = isoTime(topic.createdAt);
  await printLine(`Topic ${topic.name}${created ? ` (created ${created})` : ''}`);
  const c = topic.config;
  await printLine(
    `retentionMs ${c.retentionMs}  retentionBytes ${c.retentionBytes}  archiveAfterMs ${c.archiveAfterMs}  maxDeliveryAttempts ${c.maxDeliveryAttempts}`,
  );
  await printTable(
    ['Partition', 'Start offset', 'Archived offset', 'End offset', 'Records'],
    topic.partitions.map((p) => [p.partition, p.startOffset, p.archivedOffset, p.endOffset, p.endOffset - p.startOffset]),
    ['right', 'right', 'right', 'right', 'right'],
  );
}

export function registerTopics(program: Command, context: CliContext): void {
  const topics = program.command('topics').description('create, list, describe, change and delete topics');

  addConfigOptions(
    topics
      .command('create')
      .description('create a topic')
      .argument('<name>', 'topic name ([a-zA-Z0-9._-], up to 249 characters)')
      .requiredOption('-p, --partitions <n>', 'number of partitions (1 to 1000)', integer(1, 1000)),
  )
    .option('--if-not-exists', 'succeed (exit 0) when the topic already exists')
    .option('--json', 'print the topic as JSON')
    .action(async (name: string, options: ConfigOptions & OutputOptions & { partitions: number; ifNotExists?: boolean }) => {
      const admin = context.client().admin;
      let topic: TopicDescription;
      try {
        topic = await admin.createTopic({ name, partitions: options.partitions, ...configOf(options) });
      } catch (error) {
        if (!(options.ifNotExists && error instanceof TopicExistsError)) throw error;
        topic = await admin.describeTopic(name);
        if (!options.json) return printLine(`Topic ${name} already exists.`);
      }
      if (options.json) return printJson(topic);
      await printLine(`Created topic ${topic.name} with ${topic.partitions.length} partition(s).`);
    });

  topics
    .command('list')
    .description('list topics')
    .option('--json', 'print {"topics": [{"name", "partitions"}]}')
    .action(async (options: OutputOptions) => {
      const list = await context.client().admin.listTopics();
      if (options.json) return printJson({ topics: list });
      if (list.length === 0) return printLine('No topics.');
      await printTable(['Topic', 'Partitions'], list.map((t) => [t.name, t.partitions]), ['left', 'right']);
    });

  topics
    .command('describe')
    .description("show a topic's partitions (start, archived and end offsets) and config")
    .argument('<name>')
    .option('--json', 'print the API answer as JSON')
    .action(async (name: string, options: OutputOptions) => {
      await printTopic(await context.client().admin.describeTopic(name), options);
    });

  addConfigOptions(
    topics
      .command('update')
      .alias('alter')
      .description("raise a topic's partitions (never lower) or change its config")
      .argument('<name>')
      .option('-p, --partitions <n>', 'new number of partitions', integer(1, 1000)),
  )
    .option('--json', 'print the topic as JSON')
    .action(async (name: string, options: ConfigOptions & OutputOptions & { partitions?: number }) => {
      const patch = { ...configOf(options), ...(options.partitions === undefined ? {} : { partitions: options.partitions }) };
      await printTopic(await context.client().admin.updateTopic(name, patch), options);
    });

  topics
    .command('delete')
    .description('delete a topic and its records')
    .argument('<name>')
    .option('--if-exists', 'succeed (exit 0) when there is no such topic')
    .option('--json', 'print {"topic", "deleted"}')
    .action(async (name: string, options: OutputOptions & { ifExists?: boolean }) => {
      let deleted = true;
      try {
        await context.client().admin.deleteTopic(name);
      } catch (error) {
        if (!(options.ifExists && error instanceof TopicNotFoundError)) throw error;
        deleted = false;
      }
      if (options.json) return printJson({ topic: name, deleted });
      await printLine(deleted ? `Deleted topic ${name}.` : `Topic ${name} does not exist.`);
    });
}
