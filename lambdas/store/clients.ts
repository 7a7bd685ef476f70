/**
 * The SDK clients, built once per container from the configuration. A
 * middleware on each client asks DynamoDB for the capacity it consumed,
 * records requests into the current `CapacityMeter`, and turns throttling
 * and transient failures (after the SDK's own retries) into `ThrottledError`
 * and `UnavailableError`, so no other module has to know SDK error names.
 * Another middleware, inside the SDK's retry loop, counts every throttled
 * attempt (the `Throttles` metric), retried or not. When tracing is on, each
 * call is also an X-Ray subsegment.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config';
import { metrics } from '../core/metrics';
import { traceClient } from '../observability/tracer';
import { currentMeter } from '../observability/capacity-meter';
import { isThrottling, translateAwsError } from './aws-errors';
import { minimumUnits, type Units } from './item-size';

export interface StoreClients {
  dynamodb: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  s3: S3Client;
}

interface ConsumedCapacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

const READ_OPERATIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

function operationName(commandName: string | undefined): string {
  return (commandName ?? 'Unknown').replace(/Command$/, '');
}

function sumCapacity(consumed: unknown): { total: number; read: number; write: number } {
  const list: ConsumedCapacity[] = Array.isArray(consumed) ? consumed : consumed ? [consumed as ConsumedCapacity] : [];
  let total = 0;
  let read = 0;
  let write = 0;
  for (const c of list) {
    total += c.CapacityUnits ?? 0;
    read += c.ReadCapacityUnits ?? 0;
    write += c.WriteCapacityUnits ?? 0;
  }
  return { total, read, write };
}

/** Operations that accept `ReturnConsumedCapacity`. */
const CAPACITY_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);

/** Where the build-step middleware leaves the units DynamoDB's rules charge at least for a request. */
const MINIMUM_UNITS = Symbol('tributaryMinimumUnits');

function attachDynamoDbMeter(client: DynamoDBClient): void {
  // DynamoDB Local under-reports some requests (multi-item transactions, empty reads): compute what
  // DynamoDB's rules charge at least, from the marshalled request (the document client marshals after
  // 'initialize', so this runs at 'build'). See item-size.ts.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const minimum = minimumUnits(operationName(context.commandName), args.input as Record<string, unknown>);
      if (minimum) (context as Record<symbol, unknown>)[MINIMUM_UNITS] = minimum;
      return next(args);
    },
    { step: 'build', name: 'tributaryMinimumUnits', override: true },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = operationName(context.commandName);
      const input = args.input as Record<string, unknown>;
      if (CAPACITY_OPERATIONS.has(operation) && input.ReturnConsumedCapacity === undefined) {
        input.ReturnConsumedCapacity = 'TOTAL';
      }
      try {
        const result = await next(args);
        const output = result.output as { ConsumedCapacity?: unknown; $metadata?: { attempts?: number } };
        const { total, read, write } = sumCapacity(output.ConsumedCapacity);
        const isRead = READ_OPERATIONS.has(operation);
        // DynamoDB reports a single CapacityUnits total; split it by the kind of operation.
        const reportedRead = read || (isRead ? total : 0);
        const reportedWrite = write || (isRead ? 0 : total);
        const minimum = (context as Record<symbol, unknown>)[MINIMUM_UNITS] as Units | undefined;
        const readUnits = Math.max(reportedRead, minimum?.read ?? 0);
        const writeUnits = Math.max(reportedWrite, minimum?.write ?? 0);
        const computed = readUnits > reportedRead || writeUnits > reportedWrite;
        const meter = currentMeter();
        const attempts = Math.max(1, output.$metadata?.attempts ?? 1);
        if (meter) {
          meter.recordDynamoDb(operation, readUnits, writeUnits, computed);
          for (let i = 1; i < attempts; i++) meter.recordDynamoDb(operation, 0, 0);
        }
        return result;
      } catch (error) {
        const meter = currentMeter();
        // A failed conditional write is still charged (at least 1 WCU).
        if (meter) meter.recordDynamoDb(operation, 0, READ_OPERATIONS.has(operation) ? 0 : 1);
        throw translateAwsError(error, 'DynamoDB');
      }
    },
    { step: 'initialize', name: 'tributaryCapacityMeter', override: true },
  );
}

function attachS3Meter(client: S3Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      currentMeter()?.recordS3(operationName(context.commandName));
      try {
        return await next(args);
      } catch (error) {
        throw translateAwsError(error, 'S3');
      }
    },
    { step: 'initialize', name: 'tributaryS3Meter', override: true },
  );
}

/**
 * Counts throttled attempts. It sits right after the retry middleware, so it
 * sees each attempt's failure (DynamoDB's own ThrottledRequests counts the
 * same way), including those the SDK then retried successfully.
 */
function throttleCounter<Args, Output>(next: (args: Args) => Promise<Output>) {
  return async (args: Args): Promise<Output> => {
    try {
      return await next(args);
    } catch (error) {
      if (isThrottling(error)) metrics().count('Throttles', 1);
      throw error;
    }
  };
}

const THROTTLE_COUNTER = {
  relation: 'after',
  toMiddleware: 'retryMiddleware',
  name: 'tributaryThrottleCounter',
  override: true,
} as const;

/** Builds the clients for a configuration. */
export function createStoreClients(config: Config): StoreClients {
  const dynamodb = new DynamoDBClient({
    region: config.region,
    maxAttempts: config.maxAttempts,
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
  });
  attachDynamoDbMeter(dynamodb);
  type DynamoDbMiddleware = Parameters<typeof dynamodb.middlewareStack.addRelativeTo>[0];
  dynamodb.middlewareStack.addRelativeTo(throttleCounter as unknown as DynamoDbMiddleware, THROTTLE_COUNTER);
  traceClient(dynamodb);
  const documents = DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const s3 = new S3Client({
    region: config.region,
    maxAttempts: config.maxAttempts,
    forcePathStyle: config.s3ForcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}),
  });
  attachS3Meter(s3);
  type S3Middleware = Parameters<typeof s3.middlewareStack.addRelativeTo>[0];
  s3.middlewareStack.addRelativeTo(throttleCounter as unknown as S3Middleware, THROTTLE_COUNTER);
  traceClient(s3);
  return { dynamodb, documents, s3 };
}
