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
  /**
   * DynamoDB requests whose units were raised to what DynamoDB's rules charge
   * because the response under-reported them: multi-item transactions and
   * reads that found nothing, which DynamoDB Local under-counts (`item-size.ts`).
   */
  computedRequests: number;
}

/** S3 request classes as S3 prices them (us-east-1: PUT/COPY/POST/LIST $0.005 per 1,000; GET and others $0.0004; DELETE free). */
export type S3PriceClass = 'write' | 'read' | 'free';

export function s3PriceClass(operation: string): S3PriceClass {
  if (/^Delete/.test(operation)) return 'free';
  if (/^(Put|Copy|Create|Complete|Upload|List)/.test(operation)) return 'write';
  return 'read';
}

export class CapacityMeter {
  private readonly usage: CapacityUsage = {
    dynamodbRequests: 0,
    readCapacityUnits: 0,
    writeCapacityUnits: 0,
    dynamodbByOperation: {},
    s3Requests: 0,
    s3ByOperation: {},
    computedRequests: 0,
  };

  /** `computed`: the units come from item sizes, not from DynamoDB's answer. */
  recordDynamoDb(operation: string, readUnits: number, writeUnits: number, computed = false): void {
    this.usage.dynamodbRequests += 1;
    if (computed) this.usage.computedRequests += 1;
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

  /**
   * `ddb=1;rcu=0;wcu=2;s3=0`, the form of the `x-tributary-capacity` header,
   * followed by the S3 requests by price class (`s3w`, `s3r`) and, when any,
   * the requests whose units were computed (`computed`).
   */
  toHeader(): string {
    const u = this.usage;
    let s3w = 0;
    let s3r = 0;
    for (const [operation, n] of Object.entries(u.s3ByOperation)) {
      const kind = s3PriceClass(operation);
      if (kind === 'write') s3w += n;
      else if (kind === 'read') s3r += n;
    }
    const base = `ddb=${u.dynamodbRequests};rcu=${round(u.readCapacityUnits)};wcu=${round(u.writeCapacityUnits)};s3=${u.s3Requests}`;
    return `${base};s3w=${s3w};s3r=${s3r}${u.computedRequests > 0 ? `;computed=${u.computedRequests}` : ''}`;
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

export interface CapacityHeader {
  ddb: number;
  rcu: number;
  wcu: number;
  s3: number;
  /** S3 requests at the PUT price / at the GET price (absent from older headers: 0). */
  s3w: number;
  s3r: number;
  /** DynamoDB requests whose units were computed from item sizes. */
  computed: number;
}

/** Parses the `x-tributary-capacity` header (used by tests and the benchmark). */
export function parseCapacityHeader(header: string): CapacityHeader {
  const out: CapacityHeader = { ddb: 0, rcu: 0, wcu: 0, s3: 0, s3w: 0, s3r: 0, computed: 0 };
  for (const part of header.split(';')) {
    const [k, v] = part.split('=');
    if (k !== undefined && k in out) out[k as keyof CapacityHeader] = Number(v);
  }
  return out;
}
