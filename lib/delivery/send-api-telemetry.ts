import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { AppLogger } from '../shared/observability';
import type { StartedDelivery } from './start-delivery';
import { ValidationError, type ConflictError } from '../shared/errors';

/** CloudWatch metric names the send API emits (namespace from `POWERTOOLS_METRICS_NAMESPACE`). */
export const SEND_API_METRICS = {
  /** Deliveries whose workflow this request started (202). */
  started: 'DeliveriesStarted',
  /** Repeats of a request that had already started its delivery (200). */
  repeated: 'DeliveryRequestsRepeated',
  /** Requests refused by validation (400). */
  invalid: 'DeliveryRequestsInvalid',
  /** Requests reusing a delivery id for a different request (409). */
  conflicting: 'DeliveryRequestsConflicting',
} as const;

export interface SendApiTelemetry {
  readonly logger: Pick<AppLogger, 'info' | 'warn'>;
  readonly metrics: Pick<Metrics, 'addMetric'>;
}

/** Counts an accepted request. `startDelivery` has logged the delivery id and status already. */
export function recordDeliveryAccepted(result: StartedDelivery, { metrics }: SendApiTelemetry): void {
  const name = result.status === 'started' ? SEND_API_METRICS.started : SEND_API_METRICS.repeated;
  metrics.addMetric(name, MetricUnit.Count, 1);
}

/** The paths a request may legitimately have; anything else is a caller-chosen key and could hold anything. */
const KNOWN_PATH =
  /^(\(body\)|deliveryId|to|text|expiresAt|email(\.(to|subject|text))?|policy(\.(maxSmsAttempts|receiptTimeoutSeconds|resendBackoffSeconds(\[\d+\])?))?)$/;

/**
 * Logs and counts a refused request: which fields were wrong, never their values (they may hold the
 * phone number, the email address or the code), and not the names of unknown fields (the caller chose them).
 */
export function recordDeliveryRefused(
  error: ValidationError | ConflictError,
  { logger, metrics }: SendApiTelemetry,
): void {
  if (error instanceof ValidationError) {
    const fields = error.issues.map(({ path }) => (KNOWN_PATH.test(path) ? path : '(unrecognised field)'));
    logger.warn('Delivery request invalid', { fields });
    metrics.addMetric(SEND_API_METRICS.invalid, MetricUnit.Count, 1);
    return;
  }
  logger.warn('Delivery id reused for a different request', { deliveryId: error.deliveryId });
  metrics.addMetric(SEND_API_METRICS.conflicting, MetricUnit.Count, 1);
}
