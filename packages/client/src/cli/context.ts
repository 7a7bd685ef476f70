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
        // TRIBUTARY_LIVE_URL: the stack's LiveUrl output on AWS, or `off`; default: <url>/v1/live (the local stack).
        const live = env.TRIBUTARY_LIVE_URL || undefined;
        client = new TributaryClient({ url, token, liveUrl: live === 'off' ? false : live });
      }
      return client;
    },
  };
}
