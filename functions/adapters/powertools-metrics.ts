import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { METRICS_NAMESPACE, METRICS_SERVICE } from "../domain/ticket-metrics.js";
import type { MetricSink } from "../ports.js";

/**
 * Counts as CloudWatch metrics in embedded metric format, by Powertools Metrics: one EMF line
 * per set of dimensions (a batch of stream records for three profiles is three lines, not one
 * per record). Every metric also carries Powertools' `service` dimension.
 */
export class PowertoolsMetricSink implements MetricSink {
  private readonly groups = new Map<string, { dimensions: Record<string, string>; counts: Map<string, number> }>();

  constructor(private readonly metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE })) {}

  count(name: string, value: number, dimensions: Record<string, string> = {}): void {
    const id = JSON.stringify(Object.entries(dimensions).sort());
    const group = this.groups.get(id) ?? { dimensions, counts: new Map<string, number>() };
    group.counts.set(name, (group.counts.get(name) ?? 0) + value);
    this.groups.set(id, group);
  }

  flush(): void {
    for (const { dimensions, counts } of this.groups.values()) {
      if (Object.keys(dimensions).length > 0) this.metrics.addDimensions(dimensions);
      for (const [name, value] of counts) this.metrics.addMetric(name, MetricUnit.Count, value);
      this.metrics.publishStoredMetrics();
    }
    this.groups.clear();
  }
}
