import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { AppLogger } from '../shared/observability';

/** CloudWatch metric names the receipt processor emits (namespace from `POWERTOOLS_METRICS_NAMESPACE`). */
export const PROCESSOR_METRICS = {
  /** Receipts appended to an attempt; dimension `status`. */
  recorded: 'ReceiptsRecorded',
  /** Receipts already recorded (a Sinch retry or an SQS redelivery). */
  duplicates: 'DuplicateReceipts',
  /** FAILED receipts; dimension `class` (alarm on `Config`: an operator must act). */
  failures: 'SmsFailures',
  /** Final receipts that woke the workflow. */
  callbacks: 'WorkflowCallbacks',
  /** Final receipts that arrived after the workflow had moved on from their attempt. */
  late: 'LateReceipts',
  /** DELIVERED or READ after the workflow had moved on: the user got the SMS after all. */
  lateSmsDelivered: 'LateSmsDelivered',
  /** Receipts that matched no attempt yet and were put back on the queue. */
  uncorrelated: 'ReceiptsNotYetCorrelated',
  /**
   * Receipts that still matched no attempt after the configured receives; set aside on the orphans queue,
   * not the DLQ. Normal in small numbers on a shared Sinch app: alarm on a rate, not on one.
   */
  orphans: 'OrphanReceipts',
  /** Messages parked in the DLQ; dimension `reason` (same metric as the ingress's parked webhooks). */
  parked: 'ReceiptsParked',
  /**
   * Records that failed with an unexpected error (DynamoDB, Step Functions, access) and go back to SQS:
   * transient ones after a short back-off, the others after the visibility timeout.
   */
  errors: 'ReceiptProcessingErrors',
} as const;

export type ProcessorMetricName = (typeof PROCESSOR_METRICS)[keyof typeof PROCESSOR_METRICS];

/** What the processor's core and record handler log and count through. */
export interface ProcessorTelemetry {
  readonly logger: Pick<AppLogger, 'debug' | 'info' | 'warn' | 'error'>;
  readonly metrics: Pick<Metrics, 'addMetric' | 'singleMetric'>;
}

/**
 * Adds one to a metric. With a dimension the metric is published on its own, so the dimension does not
 * attach to every other metric of the invocation; the dimension values are bounded enums.
 */
export function count(
  metrics: ProcessorTelemetry['metrics'],
  name: ProcessorMetricName,
  dimension?: { readonly name: string; readonly value: string },
): void {
  if (!dimension) {
    metrics.addMetric(name, MetricUnit.Count, 1);
    return;
  }
  const single = metrics.singleMetric();
  single.addDimension(dimension.name, dimension.value);
  single.addMetric(name, MetricUnit.Count, 1);
}
