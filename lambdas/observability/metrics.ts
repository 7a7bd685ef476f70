/**
 * The engine's metrics (`lambdas/core/metrics.ts`) as CloudWatch embedded
 * metric format, through Powertools Metrics: namespace `Tributary`, one
 * dimension `service` (the function, from `POWERTOOLS_SERVICE_NAME`, e.g.
 * `tributary-produce`), buffered during an invocation and written to stdout
 * once at its end, where Lambda's log delivery turns it into metrics at no
 * API cost.
 *
 * Consumer lag is the one metric with more dimensions (`group`, `topic`): an
 * alarm on one group needs it, and groups and topics are few and long-lived
 * (each pair is one custom metric). It is written twice: as its own EMF
 * line by (service, group, topic), and into the invocation's buffer by
 * service alone, the series the stack's lag alarm watches (the Maximum over
 * every group). A share group reports its `available` records as its
 * ConsumerLag, and its locked records as `ShareAcquired` by (service, group, topic).
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import { COUNTER_UNITS, METRICS_NAMESPACE, NO_METRICS, setMetricsSink, type MetricsSink } from '../core/metrics';
import { logger } from '../http/logger';

/** The Powertools buffer of the current invocation. */
export const emf = new Metrics({ namespace: METRICS_NAMESPACE, logger });

/** Writes the engine's metrics into the Powertools buffer. */
export const emfSink: MetricsSink = {
  enabled: true,
  count(name, value) {
    emf.addMetric(name, COUNTER_UNITS[name], value);
  },
  consumerLag(group, topic, lag) {
    emf.addMetric('ConsumerLag', MetricUnit.Count, lag);
    const single = emf.singleMetric();
    single.addDimensions({ group, topic });
    single.addMetric('ConsumerLag', MetricUnit.Count, lag);
  },
  deliveryLatency(_subscription, _topic, ms) {
    emf.addMetric('DeliveryLatency', MetricUnit.Milliseconds, ms);
  },
  shareAcquired(group, topic, acquired) {
    const single = emf.singleMetric();
    single.addDimensions({ group, topic });
    single.addMetric('ShareAcquired', MetricUnit.Count, acquired);
  },
};

/**
 * Middy middleware: installs the sink (when `enabled`) before the handler
 * and flushes the buffer after it, whether it answered or failed. Only a
 * non-empty buffer is flushed: Powertools' own `logMetrics` warns on every
 * invocation that recorded nothing (most reads and admin calls).
 */
export function metricsMiddleware(enabled: () => boolean): MiddlewareObj {
  const flush = () => {
    if (emf.hasStoredMetrics()) emf.publishStoredMetrics();
  };
  return {
    before: () => setMetricsSink(enabled() ? emfSink : NO_METRICS),
    after: flush,
    onError: flush,
  };
}
