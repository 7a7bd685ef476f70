/**
 * Where the CLI finds the API: TRIBUTARY_URL and TRIBUTARY_TOKEN, else the
 * `.local/stack.json` that `npm start` writes, looked up from the working
 * directory upwards (so any folder of the project works). Each variable
 * overrides its field of the file, e.g. a narrower TRIBUTARY_TOKEN against
 * the local stack.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from './usage-error';

export const URL_ENV = 'TRIBUTARY_URL';
export const TOKEN_ENV = 'TRIBUTARY_TOKEN';
export const STACK_FILE = join('.local', 'stack.json');

export interface Connection {
  url: string;
  token: string;
  /** Where it came from, for messages. */
  source: string;
}

export function findStackFile(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, STACK_FILE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

function readStackFile(path: string): { url?: string; token?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`Cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const object = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  return {
    url: typeof object.url === 'string' ? object.url : undefined,
    token: typeof object.token === 'string' ? object.token : undefined,
  };
}

export function resolveConnection(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Connection {
  const envUrl = env[URL_ENV] || undefined;
  const envToken = env[TOKEN_ENV] || undefined;
  const stackFile = envUrl && envToken ? undefined : findStackFile(cwd);
  const stack = stackFile ? readStackFile(stackFile) : {};
  const url = envUrl ?? stack.url;
  const token = envToken ?? stack.token;
  if (!url || !token) {
    const missing = [!url && URL_ENV, !token && TOKEN_ENV].filter(Boolean).join(' and ');
    throw new UsageError(
      `No connection to a Tributary API: set ${missing}, or run \`npm start\` in the project (it writes ${STACK_FILE}).` +
        (stackFile ? ` ${stackFile} lacks it.` : ''),
    );
  }
  if (!/^https?:\/\//.test(url)) throw new UsageError(`${envUrl ? URL_ENV : stackFile}: the URL must start with http:// or https://, got '${url}'`);
  const source = envUrl && envToken ? 'environment' : (stackFile ?? 'environment');
  return { url, token, source };
}
