/**
 * An idle consumer: one member of a group long-polling an empty one-partition
 * topic with 20 s waits, as a worker waiting for rare jobs would. It runs
 * beside the other scenarios (it mostly waits). Its monthly cost is the
 * measured cost per second of waiting × seconds in a month: API Gateway and
 * Lambda requests, Lambda GB-seconds for the whole wait (Lambda bills the
 * wait), the authorizer, and the DynamoDB reads of the empty checks. Beside
 * it: SQS long polling (a 20 s ReceiveMessage per 20 s) and the same
 * Tributary consumer if the groups function had Lambda's minimum 128 MB.
 */
import { FUNCTIONS } from '../../lambdas/http/routes';
import { PRICES, SECONDS_PER_MONTH, SQS_LONG_POLL_SECONDS } from '../prices';
import { summarize, type BenchContext, type ScenarioResult } from '../scenario';

export async function idleScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const name = 'idle-consumer';
  const topic = 'bench-idle';
  const polls = ctx.quick ? 1 : 5;
  await ctx.admin.createTopic(topic, 1);
  const client = await ctx.clientFor(name);
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < polls; i++) {
    const { body, ms } = await client.poll('bench-idle', topic, 'idle-1', 100, 20_000);
    if (body.records.length > 0) throw new Error('the idle topic is not empty');
    latencies.push(ms);
  }
  const seconds = (performance.now() - started) / 1000;
  const usage = ctx.ledger.usage(name);
  const cost = usage.cost();
  const perMonth = (usd: number) => (usd / seconds) * SECONDS_PER_MONTH;
  // The same waits at 128 MB: only the compute share changes (it is proportional to memory).
  const at128 = cost.total - cost.lambdaCompute + cost.lambdaCompute * (128 / FUNCTIONS.groups.memoryMb);
  const sqs = (SECONDS_PER_MONTH / SQS_LONG_POLL_SECONDS) * PRICES.sqsStandardRequest.usd;
  const result = summarize(
    name,
    `one consumer long-polling an empty topic, waitMs 20000, ${polls} polls back to back`,
    'idle',
    1,
    'request',
    { records: 0, bytes: 0, seconds, latencies },
    usage,
    {
      polls,
      usdPerIdleConsumerMonth: Number(perMonth(cost.total).toPrecision(4)),
      usdPerIdleConsumerMonthLambdaCompute: Number(perMonth(cost.lambdaCompute).toPrecision(4)),
      usdPerIdleConsumerMonthApiGateway: Number(perMonth(cost.apiGateway).toPrecision(4)),
      usdPerIdleConsumerMonthDynamoDb: Number(perMonth(cost.dynamodb).toPrecision(4)),
      usdPerIdleConsumerMonthAt128Mb: Number(perMonth(at128).toPrecision(4)),
      sqsUsdPerIdleConsumerMonth: Number(sqs.toPrecision(4)),
      groupsFunctionMemoryMb: FUNCTIONS.groups.memoryMb,
      ddbRequestsPerPoll: Number((usage.ddbRequests / polls).toPrecision(4)),
      rruPerPoll: Number((usage.rru / polls).toPrecision(4)),
      wruPerPoll: Number((usage.wru / polls).toPrecision(4)),
    },
  );
  return { ...result, usdPerIdleConsumerMonth: Number(perMonth(cost.total).toPrecision(4)) } as ScenarioResult;
}
