/** jest globalTeardown: stops the emulators globalSetup started (DynamoDB Local's whole process group). */
import { EMULATORS_KEY } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const stops = ((globalThis as Record<string, unknown>)[EMULATORS_KEY] ?? []) as (() => Promise<void>)[];
  delete (globalThis as Record<string, unknown>)[EMULATORS_KEY];
  const results = await Promise.allSettled(stops.map((stop) => stop()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
