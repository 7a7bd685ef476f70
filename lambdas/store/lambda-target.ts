/**
 * Delivery to a Lambda function: a synchronous Invoke with the webhook body.
 * A function error fails the batch; a returned
 * `{"batchItemFailures": [{"offset": N}]}` fails those records only (the
 * ones before the first failure count as delivered).
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { lambdaArnAllowed } from '../core/delivery/targets';
import type { DeliveryOutcome, DeliveryRequest } from '../core/delivery/types';

/** A Lambda client built on first use (most dispatchers never invoke a function). */
export function lazyLambdaClient(region: string | undefined): () => LambdaClient {
  let client: LambdaClient | undefined;
  return () => (client ??= new LambdaClient({ region }));
}

export class LambdaTarget {
  constructor(
    private readonly lambda: () => LambdaClient,
    private readonly arnPatterns: readonly string[],
  ) {}

  async deliver(functionArn: string, request: DeliveryRequest): Promise<DeliveryOutcome> {
    if (!lambdaArnAllowed(functionArn, this.arnPatterns)) return { kind: 'failed', error: 'the function is not among the allowed targets' };
    try {
      const out = await this.lambda().send(
        new InvokeCommand({ FunctionName: functionArn, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(request.body) }),
      );
      const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
      if (out.FunctionError) return { kind: 'failed', error: `function error (${out.FunctionError}): ${text.slice(0, 200)}` };
      return parseResult(text);
    } catch (error) {
      return { kind: 'failed', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
  }
}

/** Reads `batchItemFailures` (by `offset`, or `itemIdentifier` as SQS-style handlers return it). */
export function parseResult(text: string): DeliveryOutcome {
  let result: unknown;
  try {
    result = text ? JSON.parse(text) : null;
  } catch {
    return { kind: 'delivered' };
  }
  const failures = (result as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (!Array.isArray(failures) || failures.length === 0) return { kind: 'delivered' };
  const offsets = failures
    .map((f: { offset?: unknown; itemIdentifier?: unknown }) => Number(f?.offset ?? f?.itemIdentifier))
    .filter((o) => Number.isInteger(o) && o >= 0);
  if (offsets.length === 0) return { kind: 'failed', error: 'batchItemFailures named no offset' };
  return { kind: 'partial', failedOffsets: offsets, error: `the function failed offsets ${offsets.slice(0, 10).join(', ')}` };
}
