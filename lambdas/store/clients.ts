/**
 * The SDK clients, built once per container from the configuration. A
 * middleware on each client asks DynamoDB for the capacity it consumed,
 * records requests into the current `CapacityMeter`, and turns throttling
 * and transient failures (after the SDK's own retries) into `ThrottledError`
 * and `UnavailableError`, so no other module has to know SDK error names.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config';
import { currentMeter } from './capacity-meter';
import { translateAwsError } from './aws-errors';

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

function attachDynamoDbMeter(client: DynamoDBClient): void {
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
        const readUnits = read || (isRead ? total : 0);
        const writeUnits = write || (isRead ? 0 : total);
        const meter = currentMeter();
        const attempts = Math.max(1, output.$metadata?.attempts ?? 1);
        if (meter) {
          meter.recordDynamoDb(operation, readUnits, writeUnits);
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

/** Builds the clients for a configuration. */
export function createStoreClients(config: Config): StoreClients {
  const dynamodb = new DynamoDBClient({
    region: config.region,
    maxAttempts: config.maxAttempts,
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
  });
  attachDynamoDbMeter(dynamodb);
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
  return { dynamodb, documents, s3 };
}
