/**
 * Creates what the handlers expect to exist, idempotently: the tables (from
 * TABLE_DEFINITIONS, the same source the CDK stack uses), the bucket, and a
 * development token with every permission.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListTablesCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type DynamoDBClient,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { TableNames } from '../lambdas/config';
import { ALL_PERMISSIONS, authenticate, createToken, type TokenStore } from '../lambdas/core/auth';
import { TABLE_DEFINITIONS, type TableDefinition } from '../lambdas/store/tables';

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

async function listTables(dynamodb: DynamoDBClient): Promise<Set<string>> {
  const names = new Set<string>();
  let start: string | undefined;
  do {
    const page = await dynamodb.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const name of page.TableNames ?? []) names.add(name);
    start = page.LastEvaluatedTableName;
  } while (start);
  return names;
}

function keySchema(definition: TableDefinition): { keys: KeySchemaElement[]; attributes: AttributeDefinition[] } {
  const parts = [
    { key: definition.partitionKey, role: 'HASH' as const },
    ...(definition.sortKey ? [{ key: definition.sortKey, role: 'RANGE' as const }] : []),
  ];
  return {
    keys: parts.map(({ key, role }) => ({ AttributeName: key.name, KeyType: role })),
    attributes: parts.map(({ key }) => ({ AttributeName: key.name, AttributeType: key.type })),
  };
}

async function waitActive(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  for (const deadline = Date.now() + 30_000; ; ) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`Table ${tableName} did not become ACTIVE`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function ensureTimeToLive(dynamodb: DynamoDBClient, tableName: string, attribute: string): Promise<void> {
  const { TimeToLiveDescription: ttl } = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  if (ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING') return;
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: attribute, Enabled: true },
    }),
  );
}

/** Turns the table's stream on if a table made before streams were defined lacks it. */
async function ensureStream(dynamodb: DynamoDBClient, tableName: string, view: 'NEW_IMAGE'): Promise<void> {
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  if (Table?.StreamSpecification?.StreamEnabled) return;
  await dynamodb.send(
    new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: true, StreamViewType: view } }),
  );
  await waitActive(dynamodb, tableName);
}

/**
 * Creates every table of TABLE_DEFINITIONS that does not exist yet (on-demand
 * billing, TTL where defined). Safe to call on every start and concurrently.
 * Pass a plain DynamoDB client (not one from createStoreClients, whose
 * middleware rewrites errors).
 */
export async function ensureTables(dynamodb: DynamoDBClient, tableNames: TableNames): Promise<void> {
  const existing = await listTables(dynamodb);
  const entries = Object.entries(TABLE_DEFINITIONS) as [keyof TableNames, TableDefinition][];
  await Promise.all(
    entries.map(async ([key, definition]) => {
      const tableName = tableNames[key];
      if (!existing.has(tableName)) {
        const { keys, attributes } = keySchema(definition);
        try {
          await dynamodb.send(
            new CreateTableCommand({
              TableName: tableName,
              KeySchema: keys,
              AttributeDefinitions: attributes,
              BillingMode: 'PAY_PER_REQUEST',
              ...(definition.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: definition.stream } } : {}),
            }),
          );
        } catch (error) {
          if (errorName(error) !== 'ResourceInUseException') throw error;
        }
        await waitActive(dynamodb, tableName);
      }
      if (definition.stream) await ensureStream(dynamodb, tableName, definition.stream);
      if (definition.timeToLiveAttribute) {
        await ensureTimeToLive(dynamodb, tableName, definition.timeToLiveAttribute);
      }
    }),
  );
}

/** Creates the bucket unless it exists. */
export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (errorName(error) !== 'NotFound' && status !== 404) throw error;
  }
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (errorName(error) !== 'BucketAlreadyOwnedByYou') throw error;
  }
}

export interface DevToken {
  token: string;
  /** True when the token was read from `tokenFile` and still authenticates. */
  reused: boolean;
}

/**
 * Returns a development token with every permission. With a `tokenFile`, a
 * token remembered there is reused while it still authenticates; otherwise a
 * new one is minted and written there (mode 0600).
 */
export async function ensureDevToken(store: TokenStore, tokenFile?: string): Promise<DevToken> {
  if (tokenFile && existsSync(tokenFile)) {
    const remembered = readFileSync(tokenFile, 'utf8').trim();
    try {
      await authenticate(store, remembered);
      return { token: remembered, reused: true };
    } catch (error) {
      if (!(error instanceof Error && 'code' in error && error.code === 'UNAUTHENTICATED')) throw error;
    }
  }
  const { token } = await createToken(store, 'local development token', ALL_PERMISSIONS);
  if (tokenFile) {
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    chmodSync(tokenFile, 0o600);
  }
  return { token, reused: false };
}
