/** What every command gets: the client, built on first use (so `--help` and usage errors need no connection). */
import { TributaryClient } from '..';
import { resolveConnection } from './connection';

export interface CliContext {
  client(): TributaryClient;
}

export function createContext(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): CliContext {
  let client: TributaryClient | undefined;
  return {
    client() {
      if (!client) {
        const { url, token } = resolveConnection(env, cwd);
        client = new TributaryClient({ url, token });
      }
      return client;
    },
  };
}
