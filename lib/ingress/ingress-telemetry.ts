import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { AppLogger } from '../shared/observability';
import type { WebhookOutcome } from './receive-webhook';
import type { WebhookRejectionReason } from '../shared/errors';

/** CloudWatch metric names the ingress emits (namespace from `POWERTOOLS_METRICS_NAMESPACE`). */
export const INGRESS_METRICS = {
  /** Every request, whatever became of it (also keeps each invocation's metrics blob non-empty). */
  received: 'WebhooksReceived',
  /** Delivery reports put on the receipts queue. */
  accepted: 'ReceiptsAccepted',
  /** Signed webhooks parked in the DLQ; dimension `reason`. */
  parked: 'ReceiptsParked',
  /** Signed webhooks of another event type, acknowledged and dropped; dimension `eventType`. */
  ignored: 'WebhooksIgnored',
  /** Requests that failed signature verification; dimension `reason`. */
  rejected: 'ReceiptsRejected',
} as const;

export interface IngressTelemetry {
  readonly logger: Pick<AppLogger, 'debug' | 'info' | 'warn'>;
  readonly metrics: Pick<Metrics, 'addMetric' | 'singleMetric'>;
}

// A metric with its own dimension is published on its own, so the reason does not become a dimension of
// every other metric of the invocation. The values are bounded enums, so the dimension stays cheap.
function countBy(metrics: IngressTelemetry['metrics'], name: string, dimension: string, value: string): void {
  const single = metrics.singleMetric();
  single.addDimension(dimension, value);
  single.addMetric(name, MetricUnit.Count, 1);
}

/** Counts a request as it arrives, before anything can refuse it. */
export function recordWebhookRequest({ metrics }: Pick<IngressTelemetry, 'metrics'>): void {
  metrics.addMetric(INGRESS_METRICS.received, MetricUnit.Count, 1);
}

/**
 * Logs and counts what happened to a verified webhook. Log lines carry the event type, Sinch's message id
 * and status, never the body (it holds the phone number and metadata).
 *
 * An enqueued report is counted (`ReceiptsAccepted`) and logged at DEBUG only: the processor logs every
 * receipt it applies ("Receipt processed", with the message id) and the timeline keeps it, so an INFO line
 * here would say it twice, at about an eighth of the ingress's CPU per request (docs/performance.md).
 * What is exceptional, parked or refused, is logged at WARN.
 */
export function recordWebhookOutcome(outcome: WebhookOutcome, { logger, metrics }: IngressTelemetry): void {
  switch (outcome.outcome) {
    case 'enqueued':
      logger.debug('Delivery report enqueued', {
        eventType: outcome.eventType,
        messageId: outcome.messageId,
        status: outcome.status,
      });
      metrics.addMetric(INGRESS_METRICS.accepted, MetricUnit.Count, 1);
      return;
    case 'ignored':
      logger.debug('Webhook ignored: not a delivery report', { eventType: outcome.eventType });
      countBy(metrics, INGRESS_METRICS.ignored, 'eventType', outcome.eventType);
      return;
    case 'parked':
      logger.warn('Signed webhook parked in the DLQ', { reason: outcome.reason });
      countBy(metrics, INGRESS_METRICS.parked, 'reason', outcome.reason);
      return;
  }
}

/** Counts a failed verification. The log line is written by the HTTP error handler, once. */
export function recordWebhookRejection(
  reason: WebhookRejectionReason,
  { metrics }: Pick<IngressTelemetry, 'metrics'>,
): void {
  countBy(metrics, INGRESS_METRICS.rejected, 'reason', reason);
}
