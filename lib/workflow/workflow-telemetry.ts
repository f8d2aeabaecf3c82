import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import {
  EmailRejectedError,
  EmailUnavailableError,
  TASK_ERROR_NAMES,
  isSmsSendError,
} from '../shared/errors';
import type { BreakerStep } from './provider-breaker';
import { LAMBDA_SERVICE_ERRORS } from './task-errors';
import type { SendSmsTaskResult } from './send-sms-task';
import type { SendEmailTaskResult } from './send-email-task';
import type { DeliveryOutcomeDetail } from './task-contract';

/**
 * CloudWatch metric names the delivery workflow's task Lambdas emit (namespace from
 * `POWERTOOLS_METRICS_NAMESPACE`). Alarms and the dashboard in `serverless.yml` name these; the template
 * tests check that every name they use is one of these or another `*_METRICS` list.
 */
export const WORKFLOW_METRICS = {
  /** send-sms: SMS attempts Sinch accepted. A Step Functions retry of an accepted attempt is not counted twice. */
  smsSent: 'SmsSent',
  /** send-sms: accepted SMS attempts after the first one of a delivery. */
  smsResends: 'SmsResends',
  /** send-sms: invocations that ended in any error (Sinch, expiry, DynamoDB…). */
  smsSendFailed: 'SmsSendFailed',
  /** send-sms: `messages:send` or its token request failed; dimension `kind` (`Sinch.Rejected`, `Sinch.Unavailable`). */
  sinchSendErrors: 'SinchSendErrors',
  /**
   * send-sms: SMS attempts a provider accepted, by provider; dimension `provider` (`sinch`, `aws-sms`).
   * Only on a stage with a secondary provider, where the split is worth watching.
   */
  smsSentByProvider: 'SmsSentByProvider',
  /** send-sms: `SendTextMessage` failed; dimension `kind` (`AwsSms.Rejected`, `AwsSms.Unavailable`). */
  awsSmsSendErrors: 'AwsSmsSendErrors',
  /** send-sms: the breaker on the primary changed status; dimension `to` (`OPEN`, `HALF_OPEN`, `CLOSED`). */
  primaryBreakerTransitions: 'PrimaryBreakerTransitions',
  /** send-email: fallback emails SES accepted. */
  fallbackEmailSent: 'FallbackEmailSent',
  /**
   * send-email: SES refused the fallback email or could not take it; dimension `reason`
   * ({@link EMAIL_FAILURE_REASONS}). Every refused call counts, a throttled one that a retry then gets
   * through included.
   */
  emailFailures: 'EmailFailures',
  /** record-outcome: deliveries that ended; dimension `outcome`. */
  deliveries: 'Deliveries',
  /** record-outcome: seconds from the accepted request to the recorded outcome; dimension `outcome`. */
  timeToOutcome: 'TimeToOutcome',
  /**
   * record-outcome: the failed SMS attempts of a delivery that ended, by the error that ended each one;
   * dimension `failure` (`States.Timeout`, `Sms.Transient`, `Sinch.Rejected`…, `Other`).
   */
  smsAttemptFailures: 'SmsAttemptFailures',
} as const;

/** The dimension `kind` of {@link WORKFLOW_METRICS.sinchSendErrors}. */
export const SINCH_SEND_ERROR_KINDS = ['Sinch.Rejected', 'Sinch.Unavailable'] as const;

/** The dimension `kind` of {@link WORKFLOW_METRICS.awsSmsSendErrors}. */
export const AWS_SMS_SEND_ERROR_KINDS = ['AwsSms.Rejected', 'AwsSms.Unavailable'] as const;

/** The dimension `to` of {@link WORKFLOW_METRICS.primaryBreakerTransitions}. */
export const BREAKER_TRANSITION_STATUS = {
  OPENED: 'OPEN',
  HALF_OPENED: 'HALF_OPEN',
  CLOSED: 'CLOSED',
} as const;

/** What the task handlers count through (the Powertools `Metrics` of the function). */
export type WorkflowMetrics = Pick<Metrics, 'addMetric' | 'addDimension' | 'singleMetric'>;

/** Every value the `failure` dimension may take; anything else is counted as `Other`. */
export const ATTEMPT_FAILURE_NAMES: readonly string[] = [
  ...TASK_ERROR_NAMES,
  ...LAMBDA_SERVICE_ERRORS,
  'States.Timeout',
];

/**
 * The dimension `reason` of {@link WORKFLOW_METRICS.emailFailures}: what SES said, as a closed set.
 * `MessageRejected` is what an account still in the SES sandbox answers for every unverified recipient (and
 * SES for an unverified sender); `AccessDenied` usually means the sender is not the `emailFrom` the IAM
 * condition allows; `Throttling` and `ServiceUnavailable` are retried by the state machine.
 */
export const EMAIL_FAILURE_REASONS = [
  'MessageRejected',
  'MailFromDomainNotVerified',
  'AccountSendingPaused',
  'AccessDenied',
  'Throttling',
  'ServiceUnavailable',
  'Other',
] as const;
export type EmailFailureReason = (typeof EMAIL_FAILURE_REASONS)[number];

const EMAIL_FAILURE_REASON_OF: Readonly<Record<string, EmailFailureReason>> = {
  MessageRejected: 'MessageRejected',
  MailFromDomainNotVerifiedException: 'MailFromDomainNotVerified',
  AccountSendingPausedException: 'AccountSendingPaused',
  AccessDenied: 'AccessDenied',
  AccessDeniedException: 'AccessDenied',
  Throttling: 'Throttling',
  ThrottlingException: 'Throttling',
  TooManyRequestsException: 'Throttling',
  ServiceUnavailable: 'ServiceUnavailable',
  ServiceUnavailableException: 'ServiceUnavailable',
  InternalFailure: 'ServiceUnavailable',
  RequestTimeout: 'ServiceUnavailable',
  RequestTimeoutException: 'ServiceUnavailable',
  TimeoutError: 'ServiceUnavailable',
};

/** The `reason` of an SES error name: one of {@link EMAIL_FAILURE_REASONS}, `Other` for any other name. */
export function emailFailureReason(sesError: string | undefined): EmailFailureReason {
  return (
    (sesError !== undefined && Object.hasOwn(EMAIL_FAILURE_REASON_OF, sesError)
      ? EMAIL_FAILURE_REASON_OF[sesError]
      : undefined) ?? 'Other'
  );
}

// A metric with its own dimension is published on its own, so the dimension does not attach to the
// invocation's other metrics. Every value is from a bounded list: a dimension never carries request data.
function countBy(metrics: WorkflowMetrics, name: string, dimension: string, value: string): void {
  const single = metrics.singleMetric();
  single.addDimension(dimension, value);
  single.addMetric(name, MetricUnit.Count, 1);
}

/**
 * Counts an SMS attempt the provider accepted, and whether it was a resend. A send Sinch left unanswered
 * is not counted as sent (Sinch may not have it) but as a `Sinch.Unavailable` send error, as when it
 * throws: the attempt waits for its report instead.
 *
 * @example
 * recordSmsSent({ deliveryId: 'd-1', attempt: 2, messageId: 'm-2', alreadySent: false, unconfirmed: false }, metrics);
 * // SmsSent +1, SmsResends +1
 */
export function recordSmsSent(
  result: SendSmsTaskResult,
  metrics: WorkflowMetrics,
  options: { readonly byProvider?: boolean } = {},
): void {
  if (result.alreadySent) return;
  if (result.unconfirmed) {
    if (result.provider === 'sinch')
      countBy(metrics, WORKFLOW_METRICS.sinchSendErrors, 'kind', 'Sinch.Unavailable');
    return;
  }
  metrics.addMetric(WORKFLOW_METRICS.smsSent, MetricUnit.Count, 1);
  if (result.attempt > 1) metrics.addMetric(WORKFLOW_METRICS.smsResends, MetricUnit.Count, 1);
  if (options.byProvider) countBy(metrics, WORKFLOW_METRICS.smsSentByProvider, 'provider', result.provider);
}

/**
 * Counts a change of the primary's breaker, by the status it moved to. `OPEN` is what the
 * `primary-breaker-open` alarm watches: new deliveries now start on the secondary.
 *
 * @example
 * recordBreakerTransition({ transition: 'OPENED' }, metrics); // PrimaryBreakerTransitions{to=OPEN} +1
 */
export function recordBreakerTransition(step: BreakerStep, metrics: WorkflowMetrics): void {
  if (step.transition === undefined) return;
  countBy(
    metrics,
    WORKFLOW_METRICS.primaryBreakerTransitions,
    'to',
    BREAKER_TRANSITION_STATUS[step.transition],
  );
}

/**
 * Counts a fallback email SES accepted; a retried task that finds the email already sent counts nothing.
 *
 * @example
 * recordFallbackEmail({ alreadySent: false }, metrics); // FallbackEmailSent +1
 */
export function recordFallbackEmail(
  result: Pick<SendEmailTaskResult, 'alreadySent'>,
  metrics: WorkflowMetrics,
): void {
  if (!result.alreadySent) metrics.addMetric(WORKFLOW_METRICS.fallbackEmailSent, MetricUnit.Count, 1);
}

/**
 * Counts a fallback email SES refused or could not take (`Email.Rejected`, `Email.Unavailable`), by the
 * reason SES gave. Errors SES had no part in (expiry, DynamoDB, a delivery without an address) count
 * nothing.
 *
 * @example
 * recordEmailFailure(new EmailRejectedError('SES refused the email (MessageRejected)', { sesError: 'MessageRejected' }), metrics);
 * // EmailFailures{reason=MessageRejected} +1
 */
export function recordEmailFailure(error: unknown, metrics: WorkflowMetrics): void {
  if (
    error instanceof EmailUnavailableError ||
    (error instanceof EmailRejectedError && error.sesError !== undefined)
  ) {
    countBy(metrics, WORKFLOW_METRICS.emailFailures, 'reason', emailFailureReason(error.sesError));
  }
}

/**
 * Counts a failed `SendSms` invocation and, when Sinch caused it, the kind of Sinch error. A rising
 * `Sinch.Rejected` means a configuration or credit problem (wrong app, revoked key, no balance): every
 * delivery falls back to email until an operator acts.
 */
export function recordSmsSendFailure(error: unknown, metrics: WorkflowMetrics): void {
  metrics.addMetric(WORKFLOW_METRICS.smsSendFailed, MetricUnit.Count, 1);
  if (!isSmsSendError(error)) return;
  const metric = error.name.startsWith('Sinch.')
    ? WORKFLOW_METRICS.sinchSendErrors
    : WORKFLOW_METRICS.awsSmsSendErrors;
  countBy(metrics, metric, 'kind', error.name);
}

/** A failure name as the `failure` dimension carries it: one of {@link ATTEMPT_FAILURE_NAMES}, else `Other`. */
export function failureDimension(failure: string): string {
  return ATTEMPT_FAILURE_NAMES.includes(failure) ? failure : 'Other';
}

/**
 * Counts a delivery's outcome, how long it took, and the failures of its SMS attempts. The outcome is a
 * dimension of the invocation's metrics (`Deliveries`, `TimeToOutcome`); each failure is its own metric.
 *
 * @example
 * recordDeliveryOutcome(detail, metrics);
 * // Deliveries{outcome=DELIVERED_AFTER_RESEND} +1, TimeToOutcome{outcome=…} 42 s, SmsAttemptFailures{failure=Sms.Transient} +1
 */
export function recordDeliveryOutcome(detail: DeliveryOutcomeDetail, metrics: WorkflowMetrics): void {
  metrics.addDimension('outcome', detail.outcome);
  metrics.addMetric(WORKFLOW_METRICS.deliveries, MetricUnit.Count, 1);
  metrics.addMetric(WORKFLOW_METRICS.timeToOutcome, MetricUnit.Seconds, detail.secondsToOutcome);
  for (const failure of detail.failureClasses) {
    countBy(metrics, WORKFLOW_METRICS.smsAttemptFailures, 'failure', failureDimension(failure));
  }
}
