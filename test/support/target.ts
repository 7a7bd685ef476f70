/**
 * Where the end-to-end suite points: a deployed API when TRIBUTARY_URL and
 * TRIBUTARY_TOKEN are set (LocalStack or AWS), otherwise the local server
 * started in-process against DynamoDB Local and the S3 emulator.
 */
import { ApiClient, uniqueName } from './http';
import { startTestStack } from './backends';

export interface Target {
  client: ApiClient;
  remote: boolean;
  close(): Promise<void>;
}

export async function openTarget(): Promise<Target> {
  const url = process.env.TRIBUTARY_URL;
  const token = process.env.TRIBUTARY_TOKEN;
  if (url && token) {
    return { client: new ApiClient(url.replace(/\/+$/, ''), token), remote: true, close: async () => undefined };
  }
  const stack = await startTestStack();
  return { client: new ApiClient(stack.url, stack.token), remote: false, close: () => stack.stop() };
}

/** A test file's target, opened before its tests and closed after them. */
export interface TargetSession {
  /** The opened target (valid inside tests and hooks). */
  readonly target: Target;
  /** Topics the file created; deleted after its tests. */
  readonly created: string[];
  /** Creates a topic with a unique name starting with the session's prefix, expecting 201. */
  createTopic(partitions: number, extra?: Record<string, unknown>): Promise<string>;
}

/**
 * Opens the target in `beforeAll` and, in `afterAll`, deletes the topics the
 * file created and closes it: the setup every e2e file that makes topics shares.
 */
export function useTarget(prefix: string): TargetSession {
  let opened: Target | undefined;
  const created: string[] = [];
  const session: TargetSession = {
    get target(): Target {
      if (!opened) throw new Error('The target is opened in beforeAll; use it inside tests and hooks');
      return opened;
    },
    created,
    async createTopic(partitions, extra = {}) {
      const name = uniqueName(prefix);
      const response = await session.target.client.post('/v1/topics', { name, partitions, ...extra });
      expect(response.status).toBe(201);
      created.push(name);
      return name;
    },
  };
  beforeAll(async () => {
    opened = await openTarget();
  });
  afterAll(async () => {
    if (!opened) return;
    for (const name of created) await opened.client.delete(`/v1/topics/${name}`);
    await opened.close();
  });
  return session;
}
