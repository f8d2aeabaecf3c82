import { clockTime, renderDeliveryReport } from '../../../../cli/format/report-text';
import { createStyle } from '../../../../cli/format/style';
import { buildDeliveryReport, type ExplainReason } from '../../../../cli/timeline';
import {
  aDeliveryRecord,
  aHistory,
  aReceipt,
  anEmailAttempt,
  anSmsAttempt,
  at,
  step,
} from '../../../builders/delivery-history';

const explainReason: ExplainReason = () => ({
  failureClass: 'Permanent',
  meaning: 'The handset cannot be reached; email beats a delayed resend.',
});

function emailFallbackReport() {
  return buildDeliveryReport({
    delivery: aDeliveryRecord({
      outcome: 'EMAIL_SENT',
      outcomeAt: at(75.5),
      attempts: 1,
      lateSmsDelivered: true,
    }),
    attempts: [
      anSmsAttempt(1, 0.3, [
        aReceipt('QUEUED_ON_CHANNEL', 1),
        aReceipt('FAILED', 4.5, { reasonCode: 'RECIPIENT_NOT_REACHABLE', failureClass: 'Permanent' }),
        aReceipt('DELIVERED', 400, { late: true }),
      ]),
      anEmailAttempt(2, 75.2),
    ],
    history: aHistory([
      step.started(0),
      step.entered(0.1, 'SendSms'),
      step.failed(4.6, 'Sms.Permanent'),
      step.entered(4.7, 'DecideNextStep'),
      step.succeeded(4.8, {
        action: 'EMAIL',
        waitSeconds: 0,
        reason: 'The number cannot receive SMS; sending the code by email',
      }),
      step.entered(75, 'SendEmail'),
      step.succeeded(75.3, {}),
      step.executionSucceeded(75.6),
    ]),
    explainReason,
  });
}

describe('renderDeliveryReport', () => {
  it('renders a masked, plain timeline that reads as a story', () => {
    // Act
    const text = renderDeliveryReport(emailFallbackReport(), createStyle(false));

    // Assess
    expect(text).toMatchSnapshot();
    expect(text).not.toContain('\u001b[');
  });

  it('says what support should do, for the outcome and for the failure class', () => {
    const text = renderDeliveryReport(emailFallbackReport(), createStyle(false));

    expect(text).toContain('→ Ask the user to check their inbox and spam folder.');
    expect(text).toContain('→ Ask the user to check the phone number on their account.');
  });

  it('warns when the history is missing and the timeline comes from the table only', () => {
    const report = buildDeliveryReport({
      delivery: aDeliveryRecord({ executionArn: undefined }),
      attempts: [anSmsAttempt(1, 0.3)],
      explainReason,
    });

    const text = renderDeliveryReport(report, createStyle(false));

    expect(text).toContain('The workflow history is not available');
    expect(text).toMatch(/Execution\s+not recorded/);
    expect(text).toMatch(/Outcome\s+IN_PROGRESS/);
  });

  it('names the provider of an SMS sent through the secondary, and its message id', () => {
    // Prepare
    const report = buildDeliveryReport({
      delivery: aDeliveryRecord(),
      attempts: [
        anSmsAttempt(1, 0.3),
        anSmsAttempt(2, 5, [], { provider: 'aws-sms', messageId: 'ed23196c-75ce' }),
      ],
      explainReason,
    });

    // Act
    const text = renderDeliveryReport(report, createStyle(false));

    // Assess
    expect(text).toContain('SMS attempt 1 sent · Sinch message 01HZX4R2K8M3P6Q9S1T4V7W0Y1');
    expect(text).toContain(
      'SMS attempt 2 sent through AWS End User Messaging SMS (resend) · AWS End User Messaging SMS message ed23196c-75ce',
    );
  });

  it('colours outcomes and failures on a terminal', () => {
    const text = renderDeliveryReport(emailFallbackReport(), createStyle(true));

    expect(text).toContain('\u001b[31mEMAIL_SENT\u001b[39m');
  });
});

describe('clockTime', () => {
  it('shows the date only for entries on another day than the first', () => {
    expect(clockTime('2026-03-02T10:15:30.120Z', '2026-03-02')).toBe('10:15:30.120');
    expect(clockTime('2026-03-03T00:00:01.000Z', '2026-03-02')).toBe('2026-03-03 00:00:01.000');
  });
});
