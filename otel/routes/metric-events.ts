/**
 * Turns one metrics collection into one flat map of properties, so a whole
 * export interval becomes a single product event.
 *
 * Each data point becomes properties named after the metric, with its
 * attributes in braces: `http.server.request.duration{http.route=/payments}`
 * gets `.count`, `.sum`, `.min`, `.max` for histograms, and the value itself
 * for sums and gauges. At most `MAX_PROPERTIES` are kept per event so a
 * high-cardinality attribute cannot blow up an event.
 */
import { DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

export const MAX_PROPERTIES = 400;

function seriesName(name: string, attributes: Record<string, unknown>): string {
  const keys = Object.keys(attributes).sort();
  if (keys.length === 0) return name;
  const labels = keys.map((key) => `${key}=${String(attributes[key])}`);
  return `${name}{${labels.join(',')}}`;
}

export function metricsToProperties(
  metrics: ResourceMetrics,
): { properties: Record<string, number>; truncated: boolean } {
  const properties: Record<string, number> = {};
  let count = 0;
  let truncated = false;
  const put = (key: string, value: number | undefined) => {
    if (value === undefined || !Number.isFinite(value)) return;
    if (count >= MAX_PROPERTIES) {
      truncated = true;
      return;
    }
    properties[key] = value;
    count++;
  };

  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      for (const point of metric.dataPoints) {
        const series = seriesName(metric.descriptor.name, point.attributes);
        if (metric.dataPointType === DataPointType.HISTOGRAM) {
          const histogram = point.value as {
            count: number;
            sum?: number;
            min?: number;
            max?: number;
          };
          if (histogram.count === 0) continue;
          put(`${series}.count`, histogram.count);
          put(`${series}.sum`, histogram.sum);
          put(`${series}.min`, histogram.min);
          put(`${series}.max`, histogram.max);
        } else if (typeof point.value === 'number') {
          put(series, point.value);
        }
      }
    }
  }
  return { properties, truncated };
}
