/**
 * Asynchronous Lambda invocations (InvocationType `Event`): how the archiver
 * fans one scheduled run out into one invocation per partition.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

/** Invokes a function without waiting for it to run. */
export interface FunctionInvoker {
  /** Queues one asynchronous invocation of `functionName` with `payload` as its event. */
  invokeAsync(functionName: string, payload: unknown): Promise<void>;
}

/** {@link FunctionInvoker} over the Lambda API. */
export class LambdaFunctionInvoker implements FunctionInvoker {
  private client: LambdaClient | undefined;

  async invokeAsync(functionName: string, payload: unknown): Promise<void> {
    this.client ??= new LambdaClient({});
    await this.client.send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: JSON.stringify(payload) }),
    );
  }
}
