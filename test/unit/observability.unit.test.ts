/**
 * Observability of the handlers: log lines carry the correlation ids and
 * never a token, metrics leave as one EMF document per invocation (and
 * nothing when off), throttled store attempts are counted, and consumer lag
 * is reported from what a poll read, with at most one end-offset read per
 * group and partition a minute.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { loadConfig } from '../../lambdas/config';
import { ThrottledError } from '../../lambdas/core/errors';
import { LAG_PROBE_INTERVAL_MS, LagSample, reportLag } from '../../lambdas/core/groups/lag';
import type { PartitionLog } from '../../lambdas/core/log/log';
import { metrics, NO_METRICS, setMetricsSink } from '../../lambdas/core/metrics';
import type { Topic } from '../../lambdas/core/types';
import { logger } from '../../lambdas/http/logger';
import { createHttpHandler } from '../../lambdas/http/middleware';
import { metricsMiddleware } from '../../lambdas/observability/metrics';
import { createStoreClients } from '../../lambdas/store/clients';
import { lambdaContext } from '../../local/events';
import { identityEvent } from '../support/events';
import { RecordingMetrics } from '../support/metrics';

const SECRET = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE';
const TOKEN = `trb_0123456789abcdef_${SECRET}`;

/** Everything written to stdout and stderr while `run` runs. */
async function captureOutput(run: () => Promise<unknown>): Promise<string[]> {
  const chunks: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  };
  const spies = [jest.spyOn(process.stdout, 'write').mockImplementation(capture), jest.spyOn(process.stderr, 'write').mockImplementation(capture)];
  try {
    await run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return chunks.join('').split('\n').filter((line) => line.trim() !== '');
}

afterEach(() => setMetricsSink(NO_METRICS));

describe('HTTP handler logs', () => {
  const event = identityEvent('GET', '/v1/tokens', '/v1/tokens', {
    headers: { Authorization: `Bearer ${TOKEN}`, 'User-Agent': 'jest' },
    requestContext: {
      requestId: 'apigw-request-42',
      authorizer: { tokenId: '0123456789abcdef', name: 'jest', permissions: JSON.stringify([{ topics: '*', actions: ['admin'] }]) },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  });

  it('carry the API Gateway and Lambda request ids, and no token, even from a request with an Authorization header', async () => {
    const handler = createHttpHandler({
      listTokens: async (request) => {
        logger.info('Request seen', { headers: request.headers });
        throw new Error(`could not use ${request.headers.authorization}`);
      },
    });
    const context: Context = lambdaContext('tributary-tokens', 256, 10);
    let status = 0;
    const lines = await captureOutput(async () => {
      status = (await handler(event, context)).statusCode;
    });
    expect(status).toBe(500);
    expect(lines.join('\n')).not.toContain(SECRET);
    const logs = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logs.map((log) => log.message)).toEqual(['Request seen', 'Unhandled error']);
    for (const log of logs) {
      expect(log).toMatchObject({ correlation_id: 'apigw-request-42', function_request_id: context.awsRequestId, function_name: 'tributary-tokens' });
    }
    expect(logs[0]?.headers).toMatchObject({ authorization: '[REDACTED]' });
    expect(JSON.stringify(logs[1])).toContain('could not use Bearer [REDACTED]');
  });

  it('drop the correlation id after the invocation', async () => {
    const handler = createHttpHandler({ listTokens: async () => ({ statusCode: 200, body: { tokens: [] } }) });
    await captureOutput(() => handler(event, lambdaContext('tributary-tokens', 256, 10)));
    const [line] = await captureOutput(async () => logger.warn('Between invocations'));
    expect(JSON.parse(line as string)).not.toHaveProperty('correlation_id');
  });
});

describe('Metrics middleware', () => {
  const handlerWith = (enabled: boolean, work: () => void) =>
    middy(async () => {
      work();
      return 'ok';
    }).use(metricsMiddleware(() => enabled));

  it('writes the invocation\'s counters as one EMF document in namespace Tributary, and lag by group and topic', async () => {
    const lines = await captureOutput(() =>
      handlerWith(true, () => {
        metrics().count('RecordsProduced', 3);
        metrics().count('RecordsProduced', 2);
        metrics().count('BytesProduced', 120);
        metrics().consumerLag('billing', 'orders', 42);
      })({}, lambdaContext('tributary-groups', 256, 10)),
    );
    const documents = lines.map((line) => JSON.parse(line) as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(documents).toHaveLength(2);
    const [byGroup, invocation] = documents;
    expect(byGroup?._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'Tributary', Dimensions: [['service', 'group', 'topic']], Metrics: [{ Name: 'ConsumerLag', Unit: 'Count' }] },
    ]);
    expect(byGroup).toMatchObject({ group: 'billing', topic: 'orders', ConsumerLag: 42 });
    expect(invocation?._aws.CloudWatchMetrics[0].Namespace).toBe('Tributary');
    expect(invocation?._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service']]);
    expect(invocation).toMatchObject({ RecordsProduced: [3, 2], BytesProduced: 120, ConsumerLag: 42 });
  });

  it('writes nothing, not even a warning, when the invocation recorded nothing', async () => {
    expect(await captureOutput(() => handlerWith(true, () => undefined)({}, lambdaContext('f', 256, 10)))).toEqual([]);
  });

  it('records nothing when metrics are off (outside Lambda)', async () => {
    let enabled: boolean | undefined;
    const lines = await captureOutput(() =>
      handlerWith(false, () => {
        enabled = metrics().enabled;
        metrics().count('Throttles', 1);
      })({}, lambdaContext('f', 256, 10)),
    );
    expect(enabled).toBe(false);
    expect(lines).toEqual([]);
  });

  it('is off outside Lambda and on inside it, unless POWERTOOLS_METRICS_DISABLED says otherwise', () => {
    expect(loadConfig({}).metricsEnabled).toBe(false);
    expect(loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'tributary-produce' }).metricsEnabled).toBe(true);
    expect(loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'f', POWERTOOLS_METRICS_DISABLED: 'true' }).metricsEnabled).toBe(false);
    expect(loadConfig({ POWERTOOLS_METRICS_DISABLED: 'false' }).metricsEnabled).toBe(true);
  });
});

describe('Throttle counting', () => {
  let server: Server;
  let endpoint: string;
  let requests = 0;

  beforeAll(async () => {
    // An endpoint that answers every DynamoDB call the way DynamoDB throttles.
    server = createServer((req, res) => {
      requests += 1;
      req.resume();
      req.on('end', () => {
        res.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.0', 'x-amzn-ErrorType': 'ThrottlingException' });
        res.end(JSON.stringify({ __type: 'com.amazon.coral.availability#ThrottlingException', message: 'Rate exceeded' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('counts every throttled attempt, the retried ones included, and the call ends as THROTTLED', async () => {
    const recorder = new RecordingMetrics();
    setMetricsSink(recorder);
    const { dynamodb } = createStoreClients(loadConfig({ AWS_ENDPOINT_URL_DYNAMODB: endpoint, TRIBUTARY_MAX_ATTEMPTS: '2' }));
    requests = 0;
    const outcome = await dynamodb.send(new GetItemCommand({ TableName: 't', Key: { k: { S: 'v' } } })).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(ThrottledError);
    expect(requests).toBe(2);
    expect(recorder.counts.get('Throttles')).toBe(2);
  });
});

describe('reportLag', () => {
  const topic = { name: 'orders', topicId: 'aaaaaaaa', partitions: 3 } as unknown as Topic;
  /** A log whose end offset is `end`; counts the reads. */
  const logEndingAt = (end: number) => {
    const log = { reads: 0, endOffset: async () => ((log.reads += 1), end) };
    return log;
  };

  it('takes lag from a read that reached the end, reading nothing more', async () => {
    const recorder = new RecordingMetrics();
    setMetricsSink(recorder);
    const log = logEndingAt(999);
    const sample = new LagSample();
    sample.observe(0, 10, { nextOffset: 15, endOffset: 15 });
    sample.observe(1, 40, { nextOffset: 40, endOffset: 52 });
    await reportLag(log as unknown as PartitionLog, topic, 'g-reached', sample);
    expect(recorder.lags).toEqual([['g-reached', 'orders', 12]]);
    expect(log.reads).toBe(0);
  });

  it('reads the end offset of a partition the poll stopped short of, once per interval, and reports the lower bound between', async () => {
    const recorder = new RecordingMetrics();
    setMetricsSink(recorder);
    const log = logEndingAt(50_000);
    let now = 1_000_000;
    const poll = async () => {
      const sample = new LagSample();
      sample.observe(2, 100, { nextOffset: 1100, endOffset: undefined });
      await reportLag(log as unknown as PartitionLog, topic, 'g-behind', sample, () => now);
    };
    await poll();
    await poll();
    now += LAG_PROBE_INTERVAL_MS;
    await poll();
    expect(recorder.lags.map(([, , lag]) => lag)).toEqual([49_900, 1000, 49_900]);
    expect(log.reads).toBe(2);
  });

  it('reads and reports nothing when metrics are off', async () => {
    const log = logEndingAt(10);
    const sample = new LagSample();
    sample.observe(0, 0, { nextOffset: 1, endOffset: undefined });
    await reportLag(log as unknown as PartitionLog, topic, 'g-off', sample);
    expect(log.reads).toBe(0);
  });
});
