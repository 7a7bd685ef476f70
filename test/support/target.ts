/**
 * Where the end-to-end suite points: a deployed API when TRIBUTARY_URL and
 * TRIBUTARY_TOKEN are set (LocalStack or AWS), otherwise the local server
 * started in-process against DynamoDB Local and the S3 emulator.
 */
import { ApiClient } from './http';
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
