/**
 * Counts what one request costs in the stores: DynamoDB requests and the
 * capacity units DynamoDB reports (`ReturnConsumedCapacity: 'TOTAL'`), and S3
 * requests by kind. The SDK clients record into the meter of the current
 * async context (see `clients.ts`), so the count follows a request through
 * concurrent work without being passed around.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface CapacityUsage {
  dynamodbRequests: number;
  readCapacityUnits: number;
  writeCapacityUnits: number;
  /** Per DynamoDB operation name (PutItem, Query, ...). */
  dynamodbByOperation: Record<string, number>;
  s3Requests: number;
  /** Per S3 operation name (PutObject, GetObject, ...). */
  s3ByOperation: Record<string, number>;
}

export class CapacityMeter {
  private readonly usage: CapacityUsage = {
    dynamodbRequests: 0,
    readCapacityUnits: 0,
    writeCapacityUnits: 0,
    dynamodbByOperation: {},
    s3Requests: 0,
    s3ByOperation: {},
  };

  recordDynamoDb(operation: string, readUnits: number, writeUnits: number): void {
    this.usage.dynamodbRequests += 1;
    this.usage.readCapacityUnits += readUnits;
    this.usage.writeCapacityUnits += writeUnits;
    this.usage.dynamodbByOperation[operation] = (this.usage.dynamodbByOperation[operation] ?? 0) + 1;
  }

  recordS3(operation: string): void {
    this.usage.s3Requests += 1;
    this.usage.s3ByOperation[operation] = (this.usage.s3ByOperation[operation] ?? 0) + 1;
  }

  snapshot(): CapacityUsage {
    return {
      ...this.usage,
      dynamodbByOperation: { ...this.usage.dynamodbByOperation },
      s3ByOperation: { ...this.usage.s3ByOperation },
    };
  }

  /** `ddb=1;rcu=0;wcu=2;s3=0`, the form of the `x-tributary-capacity` header. */
  toHeader(): string {
    const u = this.usage;
    return `ddb=${u.dynamodbRequests};rcu=${round(u.readCapacityUnits)};wcu=${round(u.writeCapacityUnits)};s3=${u.s3Requests}`;
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

const storage = new AsyncLocalStorage<CapacityMeter>();

/** Runs `fn` with a fresh meter as the current one; returns its result and the meter. */
export async function metered<T>(fn: () => Promise<T>): Promise<{ result: T; meter: CapacityMeter }> {
  const meter = new CapacityMeter();
  const result = await storage.run(meter, fn);
  return { result, meter };
}

/** Runs `fn` with `meter` as the current meter. */
export function withMeter<T>(meter: CapacityMeter, fn: () => T): T {
  return storage.run(meter, fn);
}

/** The meter of the current async context, if any. */
export function currentMeter(): CapacityMeter | undefined {
  return storage.getStore();
}

/** Parses the `x-tributary-capacity` header (used by tests and the benchmark). */
export function parseCapacityHeader(header: string): { ddb: number; rcu: number; wcu: number; s3: number } {
  const out = { ddb: 0, rcu: 0, wcu: 0, s3: 0 };
  for (const part of header.split(';')) {
    const [k, v] = part.split('=');
    if (k === 'ddb' || k === 'rcu' || k === 'wcu' || k === 's3') out[k] = Number(v);
  }
  return out;
}
