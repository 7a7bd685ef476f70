/** A metrics sink for tests: remembers the counts and lag samples the engine reports. */
import type { CounterName, MetricsSink } from '../../lambdas/core/metrics';

export class RecordingMetrics implements MetricsSink {
  readonly enabled = true;
  readonly counts = new Map<CounterName, number>();
  readonly lags: Array<[string, string, number]> = [];
  count(name: CounterName, value: number) {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
  }
  consumerLag(group: string, topic: string, lag: number) {
    this.lags.push([group, topic, lag]);
  }
  readonly acquired: Array<[string, string, number]> = [];
  shareAcquired(group: string, topic: string, acquired: number) {
    this.acquired.push([group, topic, acquired]);
  }
  reset() {
    this.counts.clear();
    this.lags.length = 0;
    this.acquired.length = 0;
  }
}
