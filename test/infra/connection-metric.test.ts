import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectionMetricLine, CONNECTIONS_METRIC, SERVICE_DIMENSION, startConnectionMetric } from '../../gateway/connection-metric.js';

afterEach(() => vi.useRealTimers());

describe('the gateway connection metric (CloudWatch embedded metric format)', () => {
  it('one line is a valid EMF document: _aws metadata, the dimension and the value at the root', () => {
    const doc = JSON.parse(connectionMetricLine('edgeim/Prod', 'gateway', 1234, 1_700_000_000_000));
    expect(doc).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [{ Namespace: 'edgeim/Prod', Dimensions: [[SERVICE_DIMENSION]], Metrics: [{ Name: CONNECTIONS_METRIC, Unit: 'Count' }] }],
      },
      Service: 'gateway',
      Connections: 1234,
    });
    // EMF: every dimension and metric named in the metadata has a root member of the right type.
    for (const set of doc._aws.CloudWatchMetrics[0].Dimensions) for (const d of set) expect(typeof doc[d]).toBe('string');
    for (const m of doc._aws.CloudWatchMetrics[0].Metrics) expect(typeof doc[m.Name]).toBe('number');
  });

  it('is printed at start and then once per interval with the current count, until stopped', () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    let open = 3;
    const metric = startConnectionMetric({ namespace: 'ns', service: 'gateway', count: () => open, intervalMs: 60_000, write: (l) => lines.push(l), now: () => 42 });
    open = 7;
    vi.advanceTimersByTime(60_000);
    metric.stop();
    vi.advanceTimersByTime(180_000);
    expect(lines.map((l) => JSON.parse(l).Connections)).toEqual([3, 7]);
  });
});
