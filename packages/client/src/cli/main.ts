/**
 * `tributary`: the command line for a Tributary API, built on the client
 * SDK (client/). bin/tributary.mjs runs it; `main` resolves to the exit code.
 */
import { Command, CommanderError } from 'commander';
import { TributaryConnectionError, TributaryError } from '..';
import packageJson from '../../package.json';
import { registerConsume } from './commands/consume';
import { registerDlq } from './commands/dlq';
import { registerFetch } from './commands/fetch';
import { registerGroups } from './commands/groups';
import { registerProduce } from './commands/produce';
import { registerSubscriptions } from './commands/subscriptions';
import { registerShare } from './commands/share';
import { registerTokens } from './commands/tokens';
import { registerTopics } from './commands/topics';
import { STACK_FILE, TOKEN_ENV, URL_ENV } from './connection';
import { createContext, type CliContext } from './context';
import { EXIT, EXIT_CODES_HELP, exitCodeFor } from './exit-codes';
import { UsageError } from './usage-error';

const CONNECTION_HELP = `Connection:
  ${URL_ENV}    base URL of the API (e.g. http://127.0.0.1:4000, or the stack's ApiUrl without /v1)
  ${TOKEN_ENV}  bearer token
  Unset ones are read from ${STACK_FILE} (written by \`npm start\`), searched from the current directory upwards.`;

export function buildProgram(context: CliContext): Command {
  const program = new Command('tributary')
    .description('Command line for Tributary, the serverless Kafka-like message queue')
    .version(packageJson.version)
    // Errors are thrown to main() (which picks the exit code) instead of commander exiting the process.
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', `\n${CONNECTION_HELP}\n\n${EXIT_CODES_HELP}\n`);
  registerTopics(program, context);
  registerProduce(program, context);
  registerConsume(program, context);
  registerFetch(program, context);
  registerGroups(program, context);
  registerShare(program, context);
  registerDlq(program, context);
  registerSubscriptions(program, context);
  registerTokens(program, context);
  return program;
}

/** Prints the error (commander has already printed its own) and picks the exit code. */
export function reportError(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  if ((error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') return EXIT.OK; // the reader went away (`| head`)
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\n`);
    return EXIT.USAGE;
  }
  if (error instanceof TributaryError) {
    process.stderr.write(`error: ${error.code}: ${error.message}\n`);
    return exitCodeFor(error);
  }
  if (error instanceof TributaryConnectionError) {
    process.stderr.write(`error: cannot reach the API: ${error.message}\n`);
    return EXIT.FAILURE;
  }
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.FAILURE;
}

export async function main(argv: readonly string[] = process.argv): Promise<number> {
  // A closed stdout surfaces as a rejected write; without a listener the 'error' event would crash the process.
  process.stdout.on('error', () => undefined);
  try {
    await buildProgram(createContext()).parseAsync([...argv]);
    return EXIT.OK;
  } catch (error) {
    return reportError(error);
  }
}
