/**
 * What the scenarios cost, counted where the work happens: every Lambda
 * invocation of the local stack (handlers and the authorizer) is wrapped, its
 * duration measured and its store usage read from the capacity meter (the
 * `x-tributary-capacity` header of a handler's result, or a meter around the
 * authorizer). Requests carry the scenario's name in `x-bench-scenario`, so
 * scenarios may overlap (the idle consumer runs beside the others).
 */
import { FUNCTIONS } from '../lambdas/http/routes';
import { parseCapacityHeader, s3PriceClass, type CapacityUsage } from '../lambdas/observability/capacity-meter';
import { PRICES } from './prices';

export const SCENARIO_HEADER = 'x-bench-scenario';

export type FunctionName = keyof typeof FUNCTIONS;

/** Store and compute usage of one scenario. */
export class Usage {
  apiRequests = 0;
  invocations: Partial<Record<FunctionName, number>> = {};
  /** Sum over invocations of memory (GB) × duration (s), duration rounded up to 1 ms as Lambda bills. */
  gbSeconds = 0;
  durationsMs: Partial<Record<FunctionName, number[]>> = {};
  ddbRequests = 0;
  rru = 0;
  wru = 0;
  s3Write = 0;
  s3Read = 0;
  s3Requests = 0;
  /** DynamoDB requests whose units were computed from item sizes (multi-item transactions). */
  computedRequests = 0;
  /** Handler results without a capacity header (errors): their store usage is missing. */
  unmetered = 0;
  /** DynamoDB requests and read units of each handler invocation, per function. */
  perInvocation: Partial<Record<FunctionName, Array<{ ddb: number; rru: number }>>> = {};

  invocation(fn: FunctionName, ms: number): void {
    this.invocations[fn] = (this.invocations[fn] ?? 0) + 1;
    (this.durationsMs[fn] ??= []).push(ms);
    this.gbSeconds += (FUNCTIONS[fn].memoryMb / 1024) * (Math.ceil(ms) / 1000);
  }

  addHeader(fn: FunctionName, header: string | undefined): void {
    if (!header) {
      this.unmetered += 1;
      return;
    }
    const c = parseCapacityHeader(header);
    (this.perInvocation[fn] ??= []).push({ ddb: c.ddb, rru: c.rcu });
    this.ddbRequests += c.ddb;
    this.rru += c.rcu;
    this.wru += c.wcu;
    this.s3Requests += c.s3;
    this.s3Write += c.s3w;
    this.s3Read += c.s3r;
    this.computedRequests += c.computed;
  }

  /** Adds what a capacity meter counted (an invocation metered in the bench itself, not through a handler's header). */
  addMeter(usage: CapacityUsage): void {
    this.ddbRequests += usage.dynamodbRequests;
    this.rru += usage.readCapacityUnits;
    this.wru += usage.writeCapacityUnits;
    this.s3Requests += usage.s3Requests;
    for (const [operation, n] of Object.entries(usage.s3ByOperation)) {
      if (s3PriceClass(operation) === 'write') this.s3Write += n;
      else if (s3PriceClass(operation) === 'read') this.s3Read += n;
    }
    this.computedRequests += usage.computedRequests;
  }

  get lambdaInvocations(): number {
    return Object.values(this.invocations).reduce((n, v) => n + (v ?? 0), 0);
  }

  /** Dollars, by component, at the prices in prices.ts. */
  cost(): CostBreakdown {
    const apiGateway = this.apiRequests * PRICES.apiGatewayRestRequest.usd;
    const lambdaRequests = this.lambdaInvocations * PRICES.lambdaRequest.usd;
    const lambdaCompute = this.gbSeconds * PRICES.lambdaGbSecondArm.usd;
    const dynamodb = this.wru * PRICES.dynamodbWriteRequestUnit.usd + this.rru * PRICES.dynamodbReadRequestUnit.usd;
    const s3 = this.s3Write * PRICES.s3WriteRequest.usd + this.s3Read * PRICES.s3ReadRequest.usd;
    return { apiGateway, lambdaRequests, lambdaCompute, dynamodb, s3, total: apiGateway + lambdaRequests + lambdaCompute + dynamodb + s3 };
  }
}

export interface CostBreakdown {
  apiGateway: number;
  lambdaRequests: number;
  lambdaCompute: number;
  dynamodb: number;
  s3: number;
  total: number;
}

/** Usage per scenario name. */
export class Ledger {
  private readonly scenarios = new Map<string, Usage>();
  /**
   * The scenario the stream dispatcher's work is billed to: it is woken by
   * the stream, not by a request that could carry the scenario's name.
   */
  dispatchScenario = 'other';

  usage(scenario: string): Usage {
    let usage = this.scenarios.get(scenario);
    if (!usage) this.scenarios.set(scenario, (usage = new Usage()));
    return usage;
  }
}
