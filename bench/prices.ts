/**
 * Every price the benchmark uses, in one place: AWS list prices for
 * us-east-1 (N. Virginia), on-demand, without free tier, in US dollars.
 * Each carries the page it comes from and when it was read; there is no web
 * access from the bench machine, so re-check them before quoting a result.
 * The issue (#6) fixed the Tributary-side figures; the Lambda GB-second and
 * Kinesis figures are the published ones as of the date given.
 */

export interface Price {
  readonly usd: number;
  /** What one `usd` buys. */
  readonly per: string;
  readonly source: string;
  readonly checked: string;
}

const DYNAMODB = 'https://aws.amazon.com/dynamodb/pricing/on-demand/';
const APIGW = 'https://aws.amazon.com/api-gateway/pricing/';
const LAMBDA = 'https://aws.amazon.com/lambda/pricing/';
const S3 = 'https://aws.amazon.com/s3/pricing/';
const SQS = 'https://aws.amazon.com/sqs/pricing/';
const KINESIS = 'https://aws.amazon.com/kinesis/data-streams/pricing/';
const CHECKED = '2026-11 (issue #6 figures; Kinesis and Lambda GB-s from the pricing pages as last read)';

export const PRICES = {
  /** DynamoDB on-demand: one write request unit = one write of up to 1 KB (2 in a transaction). */
  dynamodbWriteRequestUnit: { usd: 0.625 / 1e6, per: 'WRU', source: DYNAMODB, checked: CHECKED },
  /** One read request unit = one strongly consistent read of up to 4 KB, or two eventually consistent. */
  dynamodbReadRequestUnit: { usd: 0.125 / 1e6, per: 'RRU', source: DYNAMODB, checked: CHECKED },
  /** API Gateway REST API, first 333 million requests a month. */
  apiGatewayRestRequest: { usd: 3.5 / 1e6, per: 'request', source: APIGW, checked: CHECKED },
  lambdaRequest: { usd: 0.2 / 1e6, per: 'invocation', source: LAMBDA, checked: CHECKED },
  /** Arm64 (Graviton), first 7.5 billion GB-seconds a month; the stack's functions run on arm64. */
  lambdaGbSecondArm: { usd: 0.0000133334, per: 'GB-second', source: LAMBDA, checked: CHECKED },
  /** x86_64, for comparison only. */
  lambdaGbSecondX86: { usd: 0.0000166667, per: 'GB-second', source: LAMBDA, checked: CHECKED },
  /** API Gateway WebSocket APIs: messages sent or received, billed in 32 KB increments, first billion a month. */
  apiGatewayWebSocketMessage: { usd: 1 / 1e6, per: 'message (32 KB)', source: APIGW, checked: CHECKED },
  /** API Gateway WebSocket APIs: connection time. */
  apiGatewayWebSocketConnectionMinute: { usd: 0.25 / 1e6, per: 'connection-minute', source: APIGW, checked: CHECKED },
  /** S3 Standard: PUT, COPY, POST, LIST requests. */
  s3WriteRequest: { usd: 0.005 / 1000, per: 'request', source: S3, checked: CHECKED },
  /** S3 Standard: GET, SELECT and all other requests (DELETE is free). */
  s3ReadRequest: { usd: 0.0004 / 1000, per: 'request', source: S3, checked: CHECKED },
  /** SQS standard queue, after the first million free requests; each 64 KB chunk of a payload is one request. */
  sqsStandardRequest: { usd: 0.4 / 1e6, per: 'request (64 KB chunk)', source: SQS, checked: CHECKED },
  /** Kinesis Data Streams on-demand: per stream and hour. */
  kinesisOnDemandStreamHour: { usd: 0.04, per: 'stream-hour', source: KINESIS, checked: CHECKED },
  /** Data in: each record rounded up to the next 1 KB (as the pricing page states). */
  kinesisOnDemandIngestGb: { usd: 0.08, per: 'GB ingested', source: KINESIS, checked: CHECKED },
  /** Data out, shared-throughput consumers. */
  kinesisOnDemandRetrievalGb: { usd: 0.04, per: 'GB retrieved', source: KINESIS, checked: CHECKED },
} as const satisfies Record<string, Price>;

/** SQS limits that shape its bill: 10 messages per batch call, 64 KB billed per request chunk. */
export const SQS_MAX_BATCH = 10;
export const SQS_CHUNK_BYTES = 64 * 1024;
/** A 20-second receive (long poll) is the longest SQS allows. */
export const SQS_LONG_POLL_SECONDS = 20;

export const SECONDS_PER_MONTH = 30 * 24 * 3600;
