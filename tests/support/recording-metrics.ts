import type { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * An in-memory stand-in for the Powertools metrics a core function counts through. Plain counts are
 * keyed by name (`LateReceipts`); dimensioned ones as `name{dimension=value}` (`SmsFailures{class=Config}`).
 */
export interface RecordingMetrics {
  readonly metrics: Pick<Metrics, 'addMetric' | 'singleMetric'>;
  count(key: string): number;
}

export function recordingMetrics(): RecordingMetrics {
  const counts = new Map<string, number>();
  const add = (key: string, value: number): void => void counts.set(key, (counts.get(key) ?? 0) + value);
  const fake = {
    addMetric: (name: string, _unit: unknown, value: number) => add(name, value),
    singleMetric: () => {
      let dimension = '';
      return {
        addDimension: (name: string, value: string) => void (dimension = `${name}=${value}`),
        addMetric: (name: string, _unit: unknown, value: number) => add(`${name}{${dimension}}`, value),
      };
    },
  };
  return {
    metrics: fake as unknown as RecordingMetrics['metrics'],
    count: (key) => counts.get(key) ?? 0,
  };
}
