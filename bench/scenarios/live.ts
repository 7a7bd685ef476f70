/**
 * Live notifications (WebSocket) in the bench:
 *
 * `idle-consumer-live`: what one idle consumer costs a month when it waits
 * on a live connection instead of long polls. Measured here, on the real
 * code in-process: the DynamoDB units and durations of `$connect`, `watch`,
 * `ping` and `$disconnect` (core/live/session.ts, what the live Lambda runs),
 * and the REST poll the consumer makes after each reconnect (through the
 * local API, ledger-tagged). Priced per month with the client's defaults:
 * a ping every 8 minutes (ping and pong: 2 messages), a new connection every
 * 110 minutes (API Gateway closes them at 2 hours), connection-minutes for
 * the whole month. No notification: the consumer is idle.
 *
 * `live-latency`: append to record-in-hand for a live group consumer (the
 * typed client): produce one record, wake the live listener as the stream
 * dispatcher does, and time until `eachRecord` has it. Samples are spaced
 * over 1.1 s so coalescing (one notification per second) does not queue
 * them. Until the DynamoDB Streams poller is merged the bench calls the
 * listener right after the produce, so the stream's own delay (on AWS
 * typically well under a second) is not included.
 */
import { randomBytes } from 'node:crypto';
import { TributaryClient, LIVE_DEFAULTS, type DeliveredRecord } from '../../packages/client/src';
import { LIVE_FUNCTION } from '../../lambdas/http/live-routes';
import { metered, type CapacityMeter } from '../../lambdas/observability/capacity-meter';
import { PRICES, SECONDS_PER_MONTH, SQS_LONG_POLL_SECONDS } from '../prices';
import { summarize, type BenchContext, type ScenarioResult } from '../scenario';

const MINUTES_PER_MONTH = SECONDS_PER_MONTH / 60;

interface Step {
  ms: number[];
  wru: number;
  rru: number;
  requests: number;
}

async function measure(step: Step, fn: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  const { meter } = await metered(fn);
  step.ms.push(performance.now() - started);
  const usage = (meter as CapacityMeter).snapshot();
  step.wru += usage.writeCapacityUnits;
  step.rru += usage.readCapacityUnits;
  step.requests += usage.dynamodbRequests;
}

const newStep = (): Step => ({ ms: [], wru: 0, rru: 0, requests: 0 });
const gbSeconds = (ms: number) => (LIVE_FUNCTION.memoryMb / 1024) * (Math.ceil(ms) / 1000);
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const round = (n: number) => Number(n.toPrecision(4));

export async function idleLiveScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const name = 'idle-consumer-live';
  const topic = 'bench-idle-live';
  const cycles = ctx.quick ? 2 : 10;
  const pingsPerCycle = 5;
  await ctx.admin.createTopic(topic, 1);
  const client = await ctx.clientFor(name);
  const token = await ctx.admin.mintToken(`bench-${name}`);
  const { getRuntime } = await import('../../lambdas/runtime');
  const sessions = getRuntime().liveSessions;
  const steps = { connect: newStep(), watch: newStep(), ping: newStep(), disconnect: newStep() };
  const started = performance.now();
  const latencies: number[] = [];
  for (let cycle = 0; cycle < cycles; cycle++) {
    const id = randomBytes(9).toString('base64');
    await measure(steps.connect, () => sessions.connect(id, token));
    await measure(steps.watch, () => sessions.message(id, JSON.stringify({ action: 'watch', topic, group: 'idle' })));
    // The consumer's one poll after each (re)connect: the only REST call of an idle live consumer.
    const { ms } = await client.poll('bench-idle-live', topic, 'idle-live-1', 100, 0);
    latencies.push(ms);
    for (let i = 0; i < pingsPerCycle; i++) await measure(steps.ping, () => sessions.message(id, '{"action":"ping"}'));
    await measure(steps.disconnect, () => sessions.disconnect(id));
  }
  const seconds = (performance.now() - started) / 1000;
  const usage = ctx.ledger.usage(name);
  const pollUsd = usage.cost().total / cycles;

  const pings = MINUTES_PER_MONTH / (LIVE_DEFAULTS.pingIntervalMs / 60_000);
  const reconnects = MINUTES_PER_MONTH / (LIVE_DEFAULTS.maxConnectionMs / 60_000);
  const perReconnect = (key: 'connect' | 'watch' | 'disconnect') => steps[key];
  const reconnectSteps = [perReconnect('connect'), perReconnect('watch'), perReconnect('disconnect')];
  const wruPerReconnect = reconnectSteps.reduce((n, s) => n + s.wru, 0) / cycles;
  const rruPerReconnect = reconnectSteps.reduce((n, s) => n + s.rru, 0) / cycles;
  const gbsPerReconnect = reconnectSteps.reduce((n, s) => n + gbSeconds(mean(s.ms)), 0);
  const gbsPerPing = gbSeconds(mean(steps.ping.ms));

  const connectionMinutes = MINUTES_PER_MONTH * PRICES.apiGatewayWebSocketConnectionMinute.usd;
  // Ping + pong per ping; watch + watching per reconnect.
  const messages = (2 * pings + 2 * reconnects) * PRICES.apiGatewayWebSocketMessage.usd;
  const lambdaRequests = (pings + 3 * reconnects) * PRICES.lambdaRequest.usd;
  const lambdaCompute = (pings * gbsPerPing + reconnects * gbsPerReconnect) * PRICES.lambdaGbSecondArm.usd;
  const dynamodb =
    reconnects * (wruPerReconnect * PRICES.dynamodbWriteRequestUnit.usd + rruPerReconnect * PRICES.dynamodbReadRequestUnit.usd);
  const polls = reconnects * pollUsd;
  const total = connectionMinutes + messages + lambdaRequests + lambdaCompute + dynamodb + polls;

  const result = summarize(
    name,
    `one consumer waiting on a live connection: ping every ${LIVE_DEFAULTS.pingIntervalMs / 60_000} min, reconnect every ${LIVE_DEFAULTS.maxConnectionMs / 60_000} min with one poll each; ${cycles} connect/watch/poll/ping×${pingsPerCycle}/disconnect cycles measured`,
    'idle',
    1,
    'request',
    { records: 0, bytes: 0, seconds, latencies },
    usage,
    {
      usdPerIdleConsumerMonth: round(total),
      sqsUsdPerIdleConsumerMonth: round((SECONDS_PER_MONTH / SQS_LONG_POLL_SECONDS) * PRICES.sqsStandardRequest.usd),
      usdConnectionMinutes: round(connectionMinutes),
      usdMessages: round(messages),
      usdLambdaRequests: round(lambdaRequests),
      usdLambdaCompute: round(lambdaCompute),
      usdDynamoDb: round(dynamodb),
      usdReconnectPolls: round(polls),
      pingsPerMonth: Math.round(pings),
      reconnectsPerMonth: Math.round(reconnects),
      wruPerReconnect: round(wruPerReconnect),
      rruPerReconnect: round(rruPerReconnect),
      connectP50Ms: round(mean(steps.connect.ms)),
      watchP50Ms: round(mean(steps.watch.ms)),
      pingMeanMs: round(mean(steps.ping.ms)),
      liveFunctionMemoryMb: LIVE_FUNCTION.memoryMb,
    },
  );
  return { ...result, usdPerIdleConsumerMonth: round(total) };
}

export async function liveLatencyScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const name = 'live-latency';
  const topic = 'bench-live-latency';
  const samples = ctx.quick ? 5 : 20;
  await ctx.admin.createTopic(topic, 1);
  const producer = await ctx.clientFor(name);
  const client = new TributaryClient({ url: ctx.url, token: ctx.token });
  const arrived = new Map<number, number>();
  const waiters = new Map<number, () => void>();
  const consumer = client.consumer({ group: 'latency', topic, consumerId: 'live-1', autoOffsetReset: 'latest' });
  const run = consumer.run({
    eachRecord: ({ record }: { record: DeliveredRecord }) => {
      arrived.set(record.value as number, performance.now());
      waiters.get(record.value as number)?.();
    },
  });
  const latencies: number[] = [];
  const started = performance.now();
  try {
    // Let the consumer join and watch (its first poll sets the group's offset to the end).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (let i = 0; i < samples; i++) {
      const got = new Promise<void>((resolve) => waiters.set(i, resolve));
      const sent = performance.now();
      await producer.produce(topic, [{ value: i } as never]);
      await got;
      latencies.push((arrived.get(i) as number) - sent);
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }
  } finally {
    await consumer.stop();
    await run.catch(() => undefined);
    client.close();
  }
  return summarize(
    name,
    `append to record-in-hand for a live group consumer (typed client), ${samples} records 1.1 s apart; through DynamoDB Local's stream and the stream poller (its poll interval included)`,
    'end-to-end',
    1,
    'record',
    { records: samples, bytes: 0, seconds: (performance.now() - started) / 1000, latencies },
    ctx.ledger.usage(name),
  );
}
