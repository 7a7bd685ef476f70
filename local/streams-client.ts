/**
 * A minimal DynamoDB Streams client for DynamoDB Local: DescribeStream,
 * GetShardIterator and GetRecords over the JSON 1.0 protocol with SigV4
 * signing by node:crypto. `@aws-sdk/client-dynamodb-streams` is not
 * published at the version of `@aws-sdk/client-dynamodb` the project pins
 * (the registry's newest is older), and mixing SDK releases would pull a
 * second copy of the SDK core; three calls do not need it.
 */
import { createHash, createHmac } from 'node:crypto';

export interface StreamsClientOptions {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export interface Shard {
  readonly ShardId: string;
  readonly ParentShardId?: string;
  readonly SequenceNumberRange?: { StartingSequenceNumber?: string; EndingSequenceNumber?: string };
}

export interface StreamRecord {
  readonly eventName?: string;
  readonly dynamodb?: { NewImage?: Record<string, unknown>; SequenceNumber?: string };
}

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

export class LocalStreamsClient {
  constructor(private readonly options: StreamsClientOptions) {}

  async describeStream(streamArn: string): Promise<Shard[]> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const out = (await this.call('DescribeStream', { StreamArn: streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) })) as {
        StreamDescription?: { Shards?: Shard[]; LastEvaluatedShardId?: string };
      };
      shards.push(...(out.StreamDescription?.Shards ?? []));
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return shards;
  }

  async shardIterator(streamArn: string, shardId: string, type: 'TRIM_HORIZON' | 'LATEST'): Promise<string | undefined> {
    const out = (await this.call('GetShardIterator', { StreamArn: streamArn, ShardId: shardId, ShardIteratorType: type })) as {
      ShardIterator?: string;
    };
    return out.ShardIterator;
  }

  async records(iterator: string, limit = 1000): Promise<{ records: StreamRecord[]; next: string | undefined }> {
    const out = (await this.call('GetRecords', { ShardIterator: iterator, Limit: limit })) as {
      Records?: StreamRecord[];
      NextShardIterator?: string;
    };
    return { records: out.Records ?? [], next: out.NextShardIterator };
  }

  private async call(operation: string, body: unknown): Promise<unknown> {
    const url = new URL(this.options.endpoint);
    const payload = JSON.stringify(body);
    const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const date = amzDate.slice(0, 8);
    const headers: Record<string, string> = {
      'content-type': 'application/x-amz-json-1.0',
      host: url.host,
      'x-amz-date': amzDate,
      'x-amz-target': `DynamoDBStreams_20120810.${operation}`,
    };
    const signed = Object.keys(headers).sort();
    const canonical = ['POST', '/', '', ...signed.map((h) => `${h}:${headers[h]}`), '', signed.join(';'), sha256(payload)].join('\n');
    const scope = `${date}/${this.options.region}/dynamodb/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
    let key = hmac(`AWS4${this.options.credentials.secretAccessKey}`, date);
    for (const part of [this.options.region, 'dynamodb', 'aws4_request']) key = hmac(key, part);
    const signature = createHmac('sha256', key).update(toSign).digest('hex');
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${this.options.credentials.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
    const { host: _host, ...sent } = headers;
    const response = await fetch(url, { method: 'POST', headers: sent, body: payload });
    const text = await response.text();
    if (!response.ok) throw new Error(`DynamoDB Streams ${operation}: HTTP ${response.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : {};
  }
}
