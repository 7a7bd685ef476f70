/** `tributary dlq list|redrive|delete`: a topic's dead letters per group. */
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { collect, integer } from '../options';
import { isoTime, printJson, printLine, printTable, type OutputOptions } from '../output';

/** Keeps a table readable: long values and errors are cut. */
function excerpt(text: string | null | undefined, length = 40): string | undefined {
  if (text === null || text === undefined) return undefined;
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

export function registerDlq(program: Command, context: CliContext): void {
  const dlq = program.command('dlq').description('list, redrive and delete dead letters');

  dlq
    .command('list')
    .description("a topic's dead letters (records that failed maxDeliveryAttempts times)")
    .argument('<topic>')
    .option('-g, --group <group>', "only this group's (default: every group's)")
    .option('-l, --limit <n>', 'at most this many', integer(1))
    .option('--json', 'print {"deadLetters": [...]} with the records')
    .action(async (topic: string, options: OutputOptions & { group?: string; limit?: number }) => {
      const letters = await context.client().admin.listAllDeadLetters(topic, { group: options.group, max: options.limit });
      if (options.json) return printJson({ deadLetters: letters });
      if (letters.length === 0) return printLine('No dead letters.');
      await printTable(
        ['ID', 'Group', 'Partition', 'Offset', 'Key', 'Attempts', 'Last error', 'Dead-lettered at'],
        letters.map((d) => [
          d.id,
          d.group,
          d.partition,
          d.offset,
          excerpt(d.key),
          d.deliveryAttempts,
          excerpt(d.lastError),
          isoTime(d.deadLetteredAt),
        ]),
      );
    });

  dlq
    .command('redrive')
    .description("append a group's dead letters to the topic (or --target) and remove them")
    .argument('<topic>')
    .requiredOption('-g, --group <group>', 'group whose dead letters to redrive')
    .option('--target <topic>', 'append them to this topic instead of the source topic')
    .option('--id <id>', 'only this dead letter (repeatable)', collect)
    .option('--json', 'print {"redriven": N}')
    .action(async (topic: string, options: OutputOptions & { group: string; target?: string; id?: string[] }) => {
      const redriven = await context.client().admin.redriveDeadLetters(topic, {
        group: options.group,
        ...(options.id ? { ids: options.id } : {}),
        ...(options.target ? { targetTopic: options.target } : {}),
      });
      if (options.json) return printJson({ redriven });
      await printLine(`Redrove ${redriven} dead letter(s) of group ${options.group} to ${options.target ?? topic}.`);
    });

  dlq
    .command('delete')
    .description('delete one dead letter')
    .argument('<topic>')
    .argument('<id>')
    .requiredOption('-g, --group <group>', 'group of the dead letter')
    .action(async (topic: string, id: string, options: { group: string }) => {
      await context.client().admin.deleteDeadLetter(topic, options.group, id);
      await printLine(`Deleted dead letter ${id}.`);
    });
}
