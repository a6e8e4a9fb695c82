/**
 * The gateway's connection count as a CloudWatch metric, without an AWS call: one line
 * of CloudWatch embedded metric format (EMF) on stdout per interval. On Fargate the
 * awslogs driver ships stdout to CloudWatch Logs, which extracts the metric
 * `<namespace> Connections {Service}`; the stack scales the service on its average
 * (connections per task). Nothing is printed when no namespace is configured.
 */

/** Metric name of the open, authenticated connections of one task. */
export const CONNECTIONS_METRIC = 'Connections';
/** The one dimension: which deployment (the stack's name). */
export const SERVICE_DIMENSION = 'Service';

export interface ConnectionMetricOptions {
  namespace: string;
  service: string;
  /** Open connections now. */
  count: () => number;
  /** Default 60 s: CloudWatch's standard resolution. */
  intervalMs?: number;
  /** Default: one line on stdout. */
  write?: (line: string) => void;
  now?: () => number;
}

/** One EMF document: `Connections` (Count) under `namespace`, dimension `Service`. */
export function connectionMetricLine(namespace: string, service: string, connections: number, timestamp: number): string {
  return JSON.stringify({
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [[SERVICE_DIMENSION]], Metrics: [{ Name: CONNECTIONS_METRIC, Unit: 'Count' }] }],
    },
    [SERVICE_DIMENSION]: service,
    [CONNECTIONS_METRIC]: connections,
  });
}

/** Prints the count now and every interval until `stop()`; the timer never keeps the process alive. */
export function startConnectionMetric(options: ConnectionMetricOptions): { stop(): void } {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const emit = () => write(connectionMetricLine(options.namespace, options.service, options.count(), now()));
  emit();
  const timer = setInterval(emit, options.intervalMs ?? 60_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
