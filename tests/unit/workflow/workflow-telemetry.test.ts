import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  DeliveryExpiredError,
  EmailRejectedError,
  EmailUnavailableError,
  SinchRejectedError,
  SinchUnavailableError,
} from '../../../lib/shared/errors';
import type { DeliveryOutcomeDetail } from '../../../lib/workflow/task-contract';
import {
  EMAIL_FAILURE_REASONS,
  WORKFLOW_METRICS,
  emailFailureReason,
  failureDimension,
  recordDeliveryOutcome,
  recordEmailFailure,
  recordSmsSendFailure,
  recordSmsSent,
} from '../../../lib/workflow/workflow-telemetry';
import { captureOutput, type CapturedOutput } from '../../support/captured-output';

/** One metric as CloudWatch would read it from an EMF blob. */
interface EmittedMetric {
  readonly name: string;
  readonly unit: string;
  readonly value: unknown;
  /** Each dimension set of the blob, as `{ key: value }`. */
  readonly dimensionSets: Record<string, unknown>[];
}

function emittedMetrics(output: CapturedOutput): EmittedMetric[] {
  return output.metricBlobs().flatMap((blob) => {
    const [directive] = (
      blob._aws as {
        CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
      }
    ).CloudWatchMetrics;
    const dimensionSets = directive!.Dimensions.map((keys) =>
      Object.fromEntries(keys.map((key) => [key, blob[key]])),
    );
    return directive!.Metrics.map((metric) => ({
      name: metric.Name,
      unit: metric.Unit,
      value: blob[metric.Name],
      dimensionSets,
    }));
  });
}

function anOutcome(overrides: Partial<DeliveryOutcomeDetail> = {}): DeliveryOutcomeDetail {
  return {
    deliveryId: 'login-7f3a9c',
    stage: 'test',
    outcome: 'DELIVERED_AFTER_RESEND',
    smsAttempts: 2,
    emailSent: false,
    failureClasses: ['Sms.Transient'],
    smsProviders: ['sinch', 'sinch'],
    lastSmsFailure: null,
    createdAt: '2026-03-02T10:15:29.000Z',
    expiresAt: '2026-03-02T10:25:29.000Z',
    outcomeAt: '2026-03-02T10:16:11.000Z',
    secondsToOutcome: 42,
    ...overrides,
  };
}

describe('workflow telemetry', () => {
  let output: CapturedOutput;
  let metrics: Metrics;

  beforeEach(() => {
    output = captureOutput();
    metrics = new Metrics({ namespace: 'ReceiptDrivenSmsTest', serviceName: 'receipt-driven-sms' });
  });

  afterEach(() => output.restore());

  it('counts a first SMS as sent and not as a resend', () => {
    recordSmsSent(
      {
        deliveryId: 'd-1',
        attempt: 1,
        messageId: 'm-1',
        provider: 'sinch',
        alreadySent: false,
        unconfirmed: false,
      },
      metrics,
    );
    metrics.publishStoredMetrics();

    expect(emittedMetrics(output).map((m) => m.name)).toEqual([WORKFLOW_METRICS.smsSent]);
  });

  it('counts a later attempt as sent and as a resend', () => {
    recordSmsSent(
      {
        deliveryId: 'd-1',
        attempt: 3,
        messageId: 'm-3',
        provider: 'sinch',
        alreadySent: false,
        unconfirmed: false,
      },
      metrics,
    );
    metrics.publishStoredMetrics();

    expect(emittedMetrics(output).map((m) => m.name)).toEqual([
      WORKFLOW_METRICS.smsSent,
      WORKFLOW_METRICS.smsResends,
    ]);
  });

  it('counts a send that went unanswered as a Sinch.Unavailable send error, not as sent', () => {
    recordSmsSent(
      { deliveryId: 'd-1', attempt: 1, provider: 'sinch', alreadySent: false, unconfirmed: true },
      metrics,
    );
    metrics.publishStoredMetrics();

    expect(emittedMetrics(output).map((m) => m.name)).toEqual([WORKFLOW_METRICS.sinchSendErrors]);
    expect(output.metricBlobs()).toContainEqual(expect.objectContaining({ kind: 'Sinch.Unavailable' }));
  });

  it('does not count an attempt again when Step Functions retried one Sinch had already accepted', () => {
    recordSmsSent(
      {
        deliveryId: 'd-1',
        attempt: 2,
        messageId: 'm-2',
        provider: 'sinch',
        alreadySent: true,
        unconfirmed: false,
      },
      metrics,
    );
    metrics.setThrowOnEmptyMetrics(false);
    metrics.publishStoredMetrics();

    expect(emittedMetrics(output)).toEqual([]);
  });

  it.each([
    { kind: 'Sinch.Rejected', error: new SinchRejectedError('Sinch messages:send answered 403', 403) },
    { kind: 'Sinch.Unavailable', error: new SinchUnavailableError('Sinch messages:send answered 503', 503) },
  ])('counts a Sinch send error by its kind ($kind)', ({ error, kind }) => {
    recordSmsSendFailure(error, metrics);
    metrics.publishStoredMetrics();

    expect(emittedMetrics(output)).toEqual(
      expect.arrayContaining([
        {
          name: WORKFLOW_METRICS.sinchSendErrors,
          unit: 'Count',
          value: 1,
          dimensionSets: [{ service: 'receipt-driven-sms', kind }],
        },
        {
          name: WORKFLOW_METRICS.smsSendFailed,
          unit: 'Count',
          value: 1,
          dimensionSets: [{ service: 'receipt-driven-sms' }],
        },
      ]),
    );
  });

  it('counts any other send failure without a Sinch error kind', () => {
    recordSmsSendFailure(new EmailRejectedError('not a Sinch error'), metrics);
    metrics.publishStoredMetrics();

    expect(emittedMetrics(output).map((m) => m.name)).toEqual([WORKFLOW_METRICS.smsSendFailed]);
  });

  it('counts an outcome and its time with the outcome as dimension', () => {
    recordDeliveryOutcome(anOutcome({ failureClasses: [] }), metrics);
    metrics.publishStoredMetrics();

    expect(emittedMetrics(output)).toEqual([
      {
        name: WORKFLOW_METRICS.deliveries,
        unit: 'Count',
        value: 1,
        dimensionSets: [{ service: 'receipt-driven-sms', outcome: 'DELIVERED_AFTER_RESEND' }],
      },
      {
        name: WORKFLOW_METRICS.timeToOutcome,
        unit: 'Seconds',
        value: 42,
        dimensionSets: [{ service: 'receipt-driven-sms', outcome: 'DELIVERED_AFTER_RESEND' }],
      },
    ]);
  });

  it('counts each failed SMS attempt of an ended delivery by the error that ended it', () => {
    recordDeliveryOutcome(
      anOutcome({
        outcome: 'EMAIL_SENT',
        failureClasses: ['States.Timeout', 'Sms.Transient', 'States.Timeout'],
      }),
      metrics,
    );
    metrics.publishStoredMetrics();

    const failures = emittedMetrics(output).filter((m) => m.name === WORKFLOW_METRICS.smsAttemptFailures);
    expect(failures.map((m) => m.dimensionSets)).toEqual([
      [{ service: 'receipt-driven-sms', failure: 'States.Timeout' }],
      [{ service: 'receipt-driven-sms', failure: 'Sms.Transient' }],
      [{ service: 'receipt-driven-sms', failure: 'States.Timeout' }],
    ]);
  });

  it('never turns an unexpected failure name into a dimension value', () => {
    expect(failureDimension('Sinch.Rejected')).toBe('Sinch.Rejected');
    expect(failureDimension('States.Timeout')).toBe('States.Timeout');
    expect(failureDimension('Lambda.TooManyRequestsException')).toBe('Lambda.TooManyRequestsException');
    expect(failureDimension('Aws.Unavailable')).toBe('Aws.Unavailable');
    expect(failureDimension('call +46701234567')).toBe('Other');
  });

  it.each([
    [
      new EmailRejectedError('SES refused the email (MessageRejected)', { sesError: 'MessageRejected' }),
      'MessageRejected',
    ],
    [
      new EmailRejectedError('SES refused the email (MailFromDomainNotVerifiedException)', {
        sesError: 'MailFromDomainNotVerifiedException',
      }),
      'MailFromDomainNotVerified',
    ],
    [
      new EmailRejectedError('SES refused the email (AccountSendingPausedException)', {
        sesError: 'AccountSendingPausedException',
      }),
      'AccountSendingPaused',
    ],
    [
      new EmailRejectedError('SES refused the email (AccessDenied)', { sesError: 'AccessDenied' }),
      'AccessDenied',
    ],
    [new EmailUnavailableError('SES could not take the email', { sesError: 'Throttling' }), 'Throttling'],
    [
      new EmailUnavailableError('SES could not take the email', { sesError: 'InternalFailure' }),
      'ServiceUnavailable',
    ],
    [new EmailUnavailableError('SES answered without a MessageId'), 'Other'],
    [new EmailRejectedError('SES refused the email (SomethingNew)', { sesError: 'SomethingNew' }), 'Other'],
  ])('counts an email SES refused or could not take by its reason (%s)', (error, reason) => {
    // Act
    recordEmailFailure(error, metrics);
    metrics.publishStoredMetrics();

    // Assess
    expect(emittedMetrics(output)).toEqual([
      {
        name: WORKFLOW_METRICS.emailFailures,
        unit: 'Count',
        value: 1,
        dimensionSets: [{ service: 'receipt-driven-sms', reason }],
      },
    ]);
  });

  it.each([
    new EmailRejectedError('Delivery d-1 has no email address to fall back to'),
    new DeliveryExpiredError('d-1', '2026-03-02T10:25:29.000Z'),
    new Error('ProvisionedThroughputExceededException'),
  ])('counts no email failure for an error SES had no part in (%s)', (error) => {
    // Act
    recordEmailFailure(error, metrics);
    metrics.setThrowOnEmptyMetrics(false);
    metrics.publishStoredMetrics();

    // Assess
    expect(emittedMetrics(output)).toEqual([]);
  });

  it('keeps the email failure reason to a closed set', () => {
    expect(emailFailureReason('Number +46701234567 rejected')).toBe('Other');
    expect(emailFailureReason(undefined)).toBe('Other');
    expect(emailFailureReason('toString')).toBe('Other');
    expect(EMAIL_FAILURE_REASONS).toContain(emailFailureReason('ThrottlingException'));
  });
});
