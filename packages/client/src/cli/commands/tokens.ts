/** `tributary tokens create|list|revoke` (needs a token with admin on `*`). */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { Permission } from '../..';
import type { CliContext } from '../context';
import { isoTime, printJson, printLine, printTable, type OutputOptions } from '../output';
import { formatPermissions, parsePermission } from '../permissions';

function permissionOption(value: string, previous: Permission[] | undefined): Permission[] {
  try {
    return [...(previous ?? []), parsePermission(value)];
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}.`);
  }
}

export function registerTokens(program: Command, context: CliContext): void {
  const tokens = program.command('tokens').description('mint, list and revoke API tokens');

  tokens
    .command('create')
    .description('mint a token; its secret is printed once')
    .argument('<name>', 'a name to recognise it by')
    .requiredOption(
      '--permission <topics=actions>',
      "topics (a name, a prefix ending in '*', or '*') and actions (produce, consume, admin), e.g. 'orders*=produce,consume' (repeatable)",
      permissionOption,
    )
    .option('--json', 'print {"id", "token", "name", "permissions", "createdAt"}')
    .action(async (name: string, options: OutputOptions & { permission: Permission[] }) => {
      const created = await context.client().admin.createToken(name, options.permission);
      if (options.json) return printJson(created);
      await printLine(`Created token ${created.id} (${created.name}): ${formatPermissions(created.permissions)}`);
      await printLine(`Secret (shown only now): ${created.token}`);
    });

  tokens
    .command('list')
    .description('list tokens (without secrets)')
    .option('--json', 'print {"tokens": [...]}')
    .action(async (options: OutputOptions) => {
      const list = await context.client().admin.listTokens();
      if (options.json) return printJson({ tokens: list });
      await printTable(
        ['ID', 'Name', 'Permissions', 'Created'],
        list.map((t) => [t.id, t.name, formatPermissions(t.permissions), isoTime(t.createdAt)]),
      );
    });

  tokens
    .command('revoke')
    .description('revoke a token (refused everywhere within 60 s)')
    .argument('<id>', 'the token id (the <id> of trb_<id>_<secret>)')
    .option('--json', 'print {"id", "revoked"}')
    .action(async (id: string, options: OutputOptions) => {
      await context.client().admin.revokeToken(id);
      if (options.json) return printJson({ id, revoked: true });
      await printLine(`Revoked token ${id}; it is refused within 60 s.`);
    });
}
