/** `tributary subscriptions create|list|describe|pause|resume|delete`: push subscriptions of a topic. */
import type { Command } from 'commander';
import type { SubscriptionTarget } from '../../subscription-types';
import type { CliContext } from '../context';
import { isoTime, printJson, printLine, printTable, type OutputOptions } from '../output';
import { UsageError } from '../usage-error';

interface CreateOptions extends OutputOptions {
  topic: string;
  url?: string;
  functionArn?: string;
  key?: string[];
  batch?: string;
  maxAttempts?: string;
  from?: 'earliest' | 'latest';
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UsageError(`${name} must be an integer, got '${value}'`);
  return n;
}

function target(options: CreateOptions): SubscriptionTarget {
  if (options.url && options.functionArn) throw new UsageError('give --url or --function-arn, not both');
  if (options.url) return { type: 'https', url: options.url };
  if (options.functionArn) return { type: 'lambda', functionArn: options.functionArn };
  throw new UsageError('a target is required: --url <https url> or --function-arn <arn>');
}

export function registerSubscriptions(program: Command, context: CliContext): void {
  const subs = program.command('subscriptions').description('push subscriptions: the service delivers records to webhooks or functions');
  const topicOption = ['-t, --topic <topic>', 'the topic'] as const;

  subs
    .command('create')
    .description('create a subscription (prints its signing secret once)')
    .argument('<name>')
    .requiredOption(...topicOption)
    .option('--url <url>', 'https webhook target')
    .option('--function-arn <arn>', 'Lambda function target')
    .option('--key <pattern...>', 'only records whose key matches a pattern (* one word, # any words)')
    .option('--batch <n>', 'records per delivery, 1 to 1000 (default 100)')
    .option('--max-attempts <n>', "tries of a batch before bisecting to the failing record (default: the topic's)")
    .option('--from <where>', 'earliest | latest (default latest)')
    .option('--json', 'print the API answer as JSON')
    .action(async (name: string, options: CreateOptions) => {
      const created = await context.client().admin.createSubscription(options.topic, {
        name,
        target: target(options),
        ...(options.key ? { filter: { keys: options.key } } : {}),
        ...(options.batch ? { maxBatchRecords: integer(options.batch, '--batch') } : {}),
        ...(options.maxAttempts ? { maxDeliveryAttempts: integer(options.maxAttempts, '--max-attempts') } : {}),
        ...(options.from ? { startFrom: options.from } : {}),
      });
      if (options.json) return printJson(created);
      await printLine(`Created subscription ${created.name} on ${created.topic}.`);
      if (created.signingSecret) await printLine(`Signing secret (shown once): ${created.signingSecret}`);
    });

  subs
    .command('list')
    .description("a topic's subscriptions")
    .requiredOption(...topicOption)
    .option('--json', 'print the API answer as JSON')
    .action(async (options: OutputOptions & { topic: string }) => {
      const list = await context.client().admin.listSubscriptions(options.topic);
      if (options.json) return printJson(list);
      await printTable(
        ['Name', 'State', 'Target', 'Batch'],
        list.map((s) => [s.name, s.state, s.target.type === 'https' ? s.target.url : s.target.functionArn, s.maxBatchRecords]),
        ['left', 'left', 'left', 'right'],
      );
    });

  subs
    .command('describe')
    .description('per partition: committed offset, lag, failures, next try and last error')
    .argument('<name>')
    .requiredOption(...topicOption)
    .option('--json', 'print the API answer as JSON')
    .action(async (name: string, options: OutputOptions & { topic: string }) => {
      const d = await context.client().admin.describeSubscription(options.topic, name);
      if (options.json) return printJson(d);
      const lag = d.partitions.reduce((sum, p) => sum + p.lag, 0);
      await printLine(`Subscription ${d.name} on ${d.topic}: ${d.state}${d.disabledReason ? ` (${d.disabledReason})` : ''}, total lag ${lag}`);
      await printTable(
        ['Partition', 'Committed', 'End', 'Lag', 'Failures', 'Next try', 'Last error'],
        d.partitions.map((p) => [p.partition, p.committedOffset, p.endOffset, p.lag, p.consecutiveFailures, isoTime(p.nextAttemptAt), p.lastError]),
        ['right', 'right', 'right', 'right', 'right', 'left', 'left'],
      );
    });

  for (const [command, state, verb] of [
    ['pause', 'paused', 'Paused'],
    ['resume', 'active', 'Resumed'],
  ] as const) {
    subs
      .command(command)
      .description(command === 'pause' ? 'stop delivering (records wait)' : 'deliver again from the committed offsets (also re-enables a disabled one)')
      .argument('<name>')
      .requiredOption(...topicOption)
      .action(async (name: string, options: { topic: string }) => {
        await context.client().admin.updateSubscription(options.topic, name, { state });
        await printLine(`${verb} subscription ${name}.`);
      });
  }

  subs
    .command('delete')
    .description('delete a subscription')
    .argument('<name>')
    .requiredOption(...topicOption)
    .action(async (name: string, options: { topic: string }) => {
      await context.client().admin.deleteSubscription(options.topic, name);
      await printLine(`Deleted subscription ${name}.`);
    });
}
