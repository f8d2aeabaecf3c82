import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { AppLogger } from '../observability';

/**
 * CloudWatch metric names `ssmParameter` emits, from whichever function reads the parameter (ingress,
 * send, sendSms); the `service` dimension and the log line say which.
 */
export const SSM_PARAMETER_METRICS = {
  /**
   * Re-reads of a cached SSM parameter that failed (SSM erring or throttling, or a value that no longer
   * parses); the function kept serving the value it had. Sustained: a rotation is not reaching it.
   */
  refreshFailures: 'SsmRefreshFailures',
} as const;

/** What `ssmParameter` logs and counts through: the handler's own logger and metrics. */
export interface SsmParameterTelemetry {
  readonly logger: Pick<AppLogger, 'warn'>;
  readonly metrics: Pick<Metrics, 'addMetric'>;
}

/**
 * Logs and counts a failed re-read. The line names the parameter and the error, never a value: the
 * parameters hold secrets.
 */
export function recordRefreshFailure(
  parameter: string,
  details: { readonly error: unknown; readonly retryInMs?: number },
  { logger, metrics }: SsmParameterTelemetry,
): void {
  logger.warn('Could not refresh an SSM parameter; serving the value read earlier', {
    parameter,
    ...(details.retryInMs !== undefined && { retryInMs: details.retryInMs }),
    error: details.error,
  });
  metrics.addMetric(SSM_PARAMETER_METRICS.refreshFailures, MetricUnit.Count, 1);
}
