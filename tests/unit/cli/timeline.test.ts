import {
  buildDeliveryReport,
  findDecision,
  type ExplainReason,
  type TimelineEntry,
} from '../../../cli/timeline';
import {
  aDeliveryRecord,
  aHistory,
  aReceipt,
  anEmailAttempt,
  anSmsAttempt,
  at,
  step,
} from '../../builders/delivery-history';

const explainReason: ExplainReason = (code) =>
  code === 'RECIPIENT_NOT_REACHABLE'
    ? { failureClass: 'Permanent', meaning: 'The handset cannot be reached.' }
    : { failureClass: 'Unknown', meaning: 'Unlisted.' };

function kinds(timeline: readonly TimelineEntry[]): string[] {
  return timeline.map((e) => (e.kind === 'receipt' ? `receipt:${e.status}` : e.kind));
}

describe('buildDeliveryReport', () => {
  it('tells a first-time delivery in order, with the time to outcome', () => {
    // Prepare
    const delivery = aDeliveryRecord({ outcome: 'DELIVERED', outcomeAt: at(2.7), attempts: 1 });
    const attempts = [anSmsAttempt(1, 0.3, [aReceipt('QUEUED_ON_CHANNEL', 1), aReceipt('DELIVERED', 2.4)])];
    const history = aHistory([
      step.started(0),
      step.entered(0.1, 'SendSms'),
      step.succeeded(2.5, { status: 'DELIVERED', messageId: 'm', attempt: 1, statusAt: at(2.4) }),
      step.entered(2.6, 'RecordOutcome'),
      step.succeeded(2.7, {}),
      step.executionSucceeded(2.8),
    ]);

    // Act
    const report = buildDeliveryReport({ delivery, attempts, history, explainReason });

    // Assess
    expect(kinds(report.timeline)).toEqual([
      'requested',
      'started',
      'sms-sent',
      'receipt:QUEUED_ON_CHANNEL',
      'receipt:DELIVERED',
      'outcome',
      'execution-ended',
    ]);
    expect(report).toMatchObject({
      deliveryId: 'd-otp-1',
      recipient: '+46*****4567',
      outcome: 'DELIVERED',
      timeToOutcomeMs: 2700,
      executionStatus: 'SUCCEEDED',
      historyAvailable: true,
      lateReceipts: [],
    });
    expect(report.timeline[1]).toMatchObject({ kind: 'started', policy: { receiptTimeoutSeconds: 60 } });
  });

  it('shows the timeout, the decision, the wait and the resend of a silent first attempt', () => {
    // Prepare
    const delivery = aDeliveryRecord({ outcome: 'DELIVERED_AFTER_RESEND', outcomeAt: at(73.2), attempts: 2 });
    const attempts = [
      anSmsAttempt(1, 0.3, [aReceipt('QUEUED_ON_CHANNEL', 1)]),
      anSmsAttempt(2, 70.7, [aReceipt('DELIVERED', 72.9)]),
    ];
    const history = aHistory([
      step.started(0),
      step.entered(0.1, 'SendSms'),
      step.timedOut(60.2),
      step.entered(60.3, 'DecideNextStep'),
      step.succeeded(60.4, { action: 'RESEND', waitSeconds: 10, reason: 'No receipt in time; resending' }),
      step.entered(60.5, 'WaitBeforeResend', 'WaitStateEntered'),
      step.entered(70.5, 'SendSms'),
      step.succeeded(73, { status: 'DELIVERED' }),
      step.executionSucceeded(73.5),
    ]);

    // Act
    const report = buildDeliveryReport({ delivery, attempts, history, explainReason });

    // Assess
    expect(kinds(report.timeline)).toEqual([
      'requested',
      'started',
      'sms-sent',
      'receipt:QUEUED_ON_CHANNEL',
      'timeout',
      'decision',
      'wait',
      'sms-sent',
      'receipt:DELIVERED',
      'outcome',
      'execution-ended',
    ]);
    const byKind = (kind: string) => report.timeline.filter((e) => e.kind === kind);
    expect(byKind('timeout')).toEqual([{ kind: 'timeout', at: at(60.2), attempt: 1, afterSeconds: 60 }]);
    expect(byKind('decision')).toEqual([
      {
        kind: 'decision',
        at: at(60.4),
        action: 'RESEND',
        waitSeconds: 10,
        reason: 'No receipt in time; resending',
      },
    ]);
    expect(byKind('wait')).toEqual([{ kind: 'wait', at: at(60.5), seconds: 10 }]);
    expect(byKind('sms-sent').map((e) => e.kind === 'sms-sent' && e.resend)).toEqual([false, true]);
  });

  it('explains a permanent failure, the email fallback and a late receipt after the outcome', () => {
    // Prepare
    const delivery = aDeliveryRecord({ outcome: 'EMAIL_SENT', outcomeAt: at(5.5), lateSmsDelivered: true });
    const failed = aReceipt('FAILED', 4.5, {
      reasonCode: 'RECIPIENT_NOT_REACHABLE',
      subCode: 'UNSPECIFIED_SUB_CODE',
      description: 'The underlying channel reported: 46701234567 absent',
    });
    const attempts = [
      anSmsAttempt(1, 0.3, [failed, aReceipt('DELIVERED', 95, { late: true })], {
        reason: 'RECIPIENT_NOT_REACHABLE',
      }),
      anEmailAttempt(2, 5.2),
    ];
    const history = aHistory([
      step.started(0),
      step.entered(0.1, 'SendSms'),
      step.failed(4.6, 'Sms.Permanent', JSON.stringify({ reasonCode: 'RECIPIENT_NOT_REACHABLE' })),
      step.entered(4.7, 'DecideNextStep'),
      step.succeeded(4.8, {
        Payload: { action: 'EMAIL', waitSeconds: 0, reason: 'The number cannot receive SMS' },
      }),
      step.entered(4.9, 'SendEmail'),
      step.succeeded(5.3, {}),
      step.executionSucceeded(5.6),
    ]);

    // Act
    const report = buildDeliveryReport({ delivery, attempts, history, explainReason });

    // Assess
    expect(kinds(report.timeline)).toEqual([
      'requested',
      'started',
      'sms-sent',
      'receipt:FAILED',
      'decision',
      'email-sent',
      'outcome',
      'execution-ended',
      'receipt:DELIVERED',
    ]);
    const receipt = report.timeline.find((e) => e.kind === 'receipt' && e.status === 'FAILED');
    expect(receipt).toMatchObject({
      reasonCode: 'RECIPIENT_NOT_REACHABLE',
      failureClass: 'Permanent',
      meaning: 'The handset cannot be reached.',
      description: 'The underlying channel reported: +46*****4567 absent',
      late: false,
    });
    expect(report.timeline.find((e) => e.kind === 'email-sent')).toEqual({
      kind: 'email-sent',
      at: at(5.2),
      to: 'a****@example.com',
    });
    expect(report.lateReceipts).toEqual([
      expect.objectContaining({ attempt: 1, status: 'DELIVERED', late: true }),
    ]);
    expect(report.attempts[0]).toMatchObject({ attempt: 1, failureClass: 'Permanent', receipts: 2 });
    expect(report.lateSmsDelivered).toBe(true);
  });

  it('marks a receipt that arrived after the outcome as late even without the processor flag', () => {
    // Prepare
    const delivery = aDeliveryRecord({ outcome: 'EMAIL_SENT', outcomeAt: at(70) });
    const attempts = [anSmsAttempt(1, 0.3, [aReceipt('DELIVERED', 80)])];

    // Act
    const report = buildDeliveryReport({ delivery, attempts, explainReason });

    // Assess
    expect(report.lateReceipts).toHaveLength(1);
  });

  it('takes the email step from the history when no email attempt was stored', () => {
    // Prepare
    const delivery = aDeliveryRecord({ outcome: 'EMAIL_SENT', outcomeAt: at(6) });
    const history = aHistory([step.started(0), step.entered(5, 'SendEmail'), step.succeeded(5.5, {})]);

    // Act
    const report = buildDeliveryReport({ delivery, attempts: [], history, explainReason });

    // Assess
    expect(report.timeline.filter((e) => e.kind === 'email-sent')).toEqual([
      { kind: 'email-sent', at: at(5.5), to: 'a****@example.com' },
    ]);
  });

  it('reports a send the Sinch API refused as a failed step, with numbers in the cause masked', () => {
    // Prepare
    const cause = JSON.stringify({
      errorType: 'Sinch.Rejected',
      errorMessage: 'Sinch refused 46701234567: 400 INVALID_ARGUMENT',
    });
    const history = aHistory([
      step.started(0),
      step.entered(0.1, 'SendSms'),
      step.failed(0.4, 'Sinch.Rejected', cause),
      step.entered(0.5, 'DecideNextStep'),
      step.succeeded(0.6, { action: 'GIVE_UP', waitSeconds: 0, reason: 'Sinch refused the request' }),
      step.entered(0.7, 'Undeliverable', 'FailStateEntered'),
      step.executionFailed(0.8, 'Delivery.Undeliverable'),
    ]);

    // Act
    const report = buildDeliveryReport({
      delivery: aDeliveryRecord({ emailMasked: undefined }),
      attempts: [anSmsAttempt(1, 0.2, [], { messageId: undefined })],
      history,
      explainReason,
    });

    // Assess
    expect(report.timeline.find((e) => e.kind === 'step-failed')).toEqual({
      kind: 'step-failed',
      at: at(0.4),
      state: 'SendSms',
      attempt: 1,
      error: 'Sinch.Rejected',
      detail: 'Sinch refused +46*****4567: 400 INVALID_ARGUMENT',
    });
    expect(report.executionStatus).toBe('FAILED');
    expect(report.outcome).toBe('IN_PROGRESS');
    expect(JSON.stringify(report)).not.toContain('46701234567');
  });

  it('builds a table-only timeline when the history is gone', () => {
    // Prepare
    const delivery = aDeliveryRecord({ outcome: 'DELIVERED', outcomeAt: at(3), executionArn: undefined });

    // Act
    const report = buildDeliveryReport({
      delivery,
      attempts: [anSmsAttempt(1, 0.3, [aReceipt('DELIVERED', 2.9)])],
      explainReason,
    });

    // Assess
    expect(kinds(report.timeline)).toEqual(['requested', 'sms-sent', 'receipt:DELIVERED', 'outcome']);
    expect(report.timeline[0]).toEqual({
      kind: 'requested',
      at: delivery.createdAt,
      expiresAt: delivery.expiresAt,
    });
    expect(report).toMatchObject({ historyAvailable: false, executionStatus: null, executionArn: null });
  });

  it('uses the execution ARN it was given when the META item has none', () => {
    // Act
    const report = buildDeliveryReport({
      delivery: aDeliveryRecord({ executionArn: undefined }),
      attempts: [],
      executionArn: 'arn:aws:states:eu-west-1:1:execution:sm:d-otp-1',
      executionStatus: 'RUNNING',
      history: [],
      explainReason,
    });

    // Assess
    expect(report).toMatchObject({
      executionArn: 'arn:aws:states:eu-west-1:1:execution:sm:d-otp-1',
      executionStatus: 'RUNNING',
      outcome: 'IN_PROGRESS',
      timeToOutcomeMs: null,
    });
  });

  it('puts cause before effect when two entries share a millisecond', () => {
    // Prepare
    const history = aHistory([step.started(0.3)]);

    // Act
    const report = buildDeliveryReport({
      delivery: aDeliveryRecord(),
      attempts: [anSmsAttempt(1, 0.3)],
      history,
      explainReason,
    });

    // Assess
    expect(kinds(report.timeline)).toEqual(['requested', 'started', 'sms-sent']);
  });

  it('reads events in id order even when a page arrives out of order', () => {
    // Prepare
    const history = aHistory([step.started(0), step.entered(0.1, 'SendSms'), step.timedOut(60)]).reverse();

    // Act
    const report = buildDeliveryReport({ delivery: aDeliveryRecord(), attempts: [], history, explainReason });

    // Assess
    expect(report.timeline.find((e) => e.kind === 'timeout')).toMatchObject({ attempt: 1 });
  });
});

describe('findDecision', () => {
  it.each([
    ['a direct task result', { action: 'RESEND', waitSeconds: 30, reason: 'r' }],
    [
      'a lambda:invoke result',
      { Payload: { action: 'RESEND', waitSeconds: 30, reason: 'r' }, StatusCode: 200 },
    ],
    [
      'a result stored under a path',
      { deliveryId: 'd', decision: { action: 'RESEND', waitSeconds: 30, reason: 'r' } },
    ],
  ])('finds the decision in %s', (_name, output) => {
    expect(findDecision(JSON.stringify(output))).toEqual({ action: 'RESEND', waitSeconds: 30, reason: 'r' });
  });

  it('returns undefined for output that holds no decision', () => {
    expect(findDecision('not json')).toBeUndefined();
    expect(findDecision(JSON.stringify({ status: 'DELIVERED' }))).toBeUndefined();
    expect(findDecision(undefined)).toBeUndefined();
  });
});

describe('buildDeliveryReport attempt reasons', () => {
  it('keeps a sentence stored as the reason apart from reason codes, masked', () => {
    // Prepare
    const attempts = [
      anSmsAttempt(1, 0.3, [], {
        status: 'FAILED',
        class: 'Config',
        messageId: undefined,
        reason: 'Sinch messages:send answered HTTP 400 INVALID_ARGUMENT for 46701234567',
      }),
    ];

    // Act
    const report = buildDeliveryReport({ delivery: aDeliveryRecord(), attempts, explainReason });

    // Assess
    expect(report.attempts[0]).toEqual({
      attempt: 1,
      channel: 'SMS',
      provider: 'sinch',
      sentAt: at(0.3),
      status: 'FAILED',
      reason: 'Sinch messages:send answered HTTP 400 INVALID_ARGUMENT for +46*****4567',
      failureClass: 'Config',
      receipts: 0,
    });
  });
});

describe('buildDeliveryReport with a secondary provider', () => {
  it('names the provider of every attempt and explains each receipt by that provider’s table', () => {
    // Prepare
    const asked: (string | undefined)[] = [];
    const explain: ExplainReason = (code, _subCode, provider) => {
      asked.push(`${provider}:${code}`);
      return { failureClass: 'Permanent', meaning: 'Invalid number.' };
    };
    const attempts = [
      anSmsAttempt(1, 0.3, [], { status: 'FAILED', reason: 'Sinch messages:send answered HTTP 503' }),
      anSmsAttempt(2, 5, [aReceipt('FAILED', 7, { reasonCode: 'TEXT_INVALID' })], {
        provider: 'aws-sms',
        messageId: 'ed23196c-75ce-4727-93ee-7bf72b64998f',
      }),
    ];

    // Act
    const report = buildDeliveryReport({ delivery: aDeliveryRecord(), attempts, explainReason: explain });

    // Assess
    expect(report.attempts.map((a) => a.provider)).toEqual(['sinch', 'aws-sms']);
    expect(report.timeline.filter((e) => e.kind === 'sms-sent').map((e) => e.provider)).toEqual([
      'sinch',
      'aws-sms',
    ]);
    expect(asked).toContain('aws-sms:TEXT_INVALID');
  });
});
