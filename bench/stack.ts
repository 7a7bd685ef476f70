/**
 * The local stack the bench runs against: DynamoDB Local in memory and s3rver
 * in a temporary folder (started by `startLocalStack` itself), the real
 * handlers behind the local API Gateway stand-in, the authorizer cached 60 s
 * as deployed. Every handler and authorizer invocation is wrapped to feed the
 * ledger: duration, function, store usage, scenario.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { FUNCTIONS, type HandlerName } from '../lambdas/http/routes';
import { metered } from '../lambdas/observability/capacity-meter';
import { startLocalStack, type LocalStack } from '../local/stack';
import type { DispatchWrapper } from '../local/stream-poller';
import type { AuthorizerHandler, ProxyHandler } from '../local/server';
import { SCENARIO_HEADER, type Ledger } from './ledger';

async function importHandler<T>(name: HandlerName | 'authorizer'): Promise<T> {
  const entry = FUNCTIONS[name].entry.replace(/\.ts$/, '');
  const mod = (await import(`../${entry}`)) as { handler?: unknown };
  if (typeof mod.handler !== 'function') throw new Error(`${entry} does not export a handler`);
  return mod.handler as T;
}

function scenarioOf(headers: Record<string, string | undefined> | null | undefined): string {
  for (const [name, value] of Object.entries(headers ?? {})) if (name.toLowerCase() === SCENARIO_HEADER) return value ?? 'other';
  return 'other';
}

export async function startBenchStack(ledger: Ledger): Promise<LocalStack> {
  const handlers = new Map<HandlerName, Promise<ProxyHandler>>();
  const loadHandler = (name: HandlerName): Promise<ProxyHandler> => {
    let loaded = handlers.get(name);
    if (!loaded) {
      loaded = importHandler<ProxyHandler>(name).then(
        (handler) => async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
          const usage = ledger.usage(scenarioOf(event.headers));
          const started = performance.now();
          try {
            const result = await handler(event, context);
            usage.addHeader(name, result.headers?.['x-tributary-capacity'] as string | undefined);
            return result;
          } finally {
            usage.apiRequests += 1;
            usage.invocation(name, performance.now() - started);
          }
        },
      );
      handlers.set(name, loaded);
    }
    return loaded;
  };
  let authorizer: Promise<AuthorizerHandler> | undefined;
  const loadAuthorizer = (): Promise<AuthorizerHandler> => {
    authorizer ??= importHandler<AuthorizerHandler>('authorizer').then((handler) => async (event: APIGatewayRequestAuthorizerEvent) => {
      const usage = ledger.usage(scenarioOf(event.headers));
      const started = performance.now();
      const { result, meter } = await metered(() => handler(event));
      usage.addMeter(meter.snapshot());
      usage.invocation('authorizer', performance.now() - started);
      return result;
    });
    return authorizer;
  };
  // Each stream batch the poller dispatches is one dispatcher invocation on AWS. A sweep counts
  // only when it found due retries: on AWS the sweep's rule is enabled only while retry notes exist
  // (the local timer sweeps every second, found work or not).
  const around: DispatchWrapper = async (kind, run) => {
    const usage = ledger.usage(ledger.dispatchScenario);
    const started = performance.now();
    const { result, meter } = await metered(run);
    if (kind === 'sweep' && !(typeof result === 'number' && result > 0)) return result;
    usage.addMeter(meter.snapshot());
    usage.invocation('dispatcher', performance.now() - started);
    return result;
  };
  return startLocalStack({
    port: 0,
    dispatcher: { around },
    // The stream poller (on by default) wakes /v1/live: live-latency measures through it.
    log: () => undefined,
    server: { loadHandler, loadAuthorizer, authorizerCacheTtlMs: 60_000, log: (line) => process.stderr.write(`${line}\n`) },
  });
}
