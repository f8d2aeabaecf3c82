import { AWS_SMS_EVENT_POLICY } from '../../../lib/receipts/aws-sms-events';
import { REASON_CODE_POLICY } from '../../../lib/receipts/reason-classifier';
import { RECIPIENT_INVALID_REASON_CODES, reportedSmsFailure } from '../../../lib/workflow/sms-failure';

/** The cause the receipt processor puts on `SendTaskFailure` (`SmsFailureCause`). */
function causeOf(fields: Record<string, unknown>): string {
  return JSON.stringify({ messageId: 'm-1', attempt: 2, ...fields });
}

describe('reportedSmsFailure', () => {
  it('summarises a reported failure as class, reason code and whether the number is wrong', () => {
    // Act
    const report = reportedSmsFailure(
      'Sms.Permanent',
      causeOf({
        reasonCode: 'RECIPIENT_INVALID_CHANNEL_IDENTITY',
        description: 'Invalid number +447400123456',
      }),
      2,
    );

    // Assess
    expect(report).toEqual({
      attempt: 2,
      class: 'Permanent',
      reasonCode: 'RECIPIENT_INVALID_CHANNEL_IDENTITY',
      recipientInvalid: true,
    });
  });

  it.each(
    Object.entries(REASON_CODE_POLICY)
      .filter(([, policy]) => policy.failureClass === 'Permanent')
      .map(([code]) => [code, RECIPIENT_INVALID_REASON_CODES.has(code)] as const),
  )('says of the Permanent code %s that the number is wrong: %s', (reasonCode, recipientInvalid) => {
    // Act
    const report = reportedSmsFailure('Sms.Permanent', causeOf({ reasonCode }), 1);

    // Assess
    expect(report).toMatchObject({ class: 'Permanent', reasonCode, recipientInvalid });
  });

  it('lists as a wrong number only codes the policy classes Permanent', () => {
    const policies: Record<string, { readonly failureClass?: string; readonly rationale: string }> = {
      ...REASON_CODE_POLICY,
      ...AWS_SMS_EVENT_POLICY,
    };
    for (const code of RECIPIENT_INVALID_REASON_CODES) {
      expect([code, policies[code]?.failureClass]).toEqual([code, 'Permanent']);
    }
  });

  it('does not blame the number when a sub-code moved the failure to our side', () => {
    // Act: INACTIVE_SENDER turns the failure into Config (docs/reason-codes.md).
    const report = reportedSmsFailure(
      'Sms.Config',
      causeOf({ reasonCode: 'RECIPIENT_INVALID_CHANNEL_IDENTITY', subCode: 'INACTIVE_SENDER' }),
      1,
    );

    // Assess
    expect(report).toEqual({
      attempt: 1,
      class: 'Config',
      reasonCode: 'RECIPIENT_INVALID_CHANNEL_IDENTITY',
      subCode: 'INACTIVE_SENDER',
      recipientInvalid: false,
    });
  });

  it('keeps only what looks like a code, so free text never reaches the event', () => {
    // Act
    const report = reportedSmsFailure(
      'Sms.Unknown',
      causeOf({ reasonCode: 'call +447400123456', subCode: 'alice@example.com' }),
      1,
    );

    // Assess
    expect(report).toEqual({ attempt: 1, class: 'Unknown', reasonCode: 'UNKNOWN', recipientInvalid: false });
  });

  it('reads a failure whose cause is missing or not JSON as UNKNOWN', () => {
    expect(reportedSmsFailure('Sms.Transient', undefined, 1)).toMatchObject({ reasonCode: 'UNKNOWN' });
    expect(reportedSmsFailure('Sms.Transient', 'not json', 1)).toMatchObject({ reasonCode: 'UNKNOWN' });
  });

  it.each([
    'States.Timeout',
    'Sinch.Unavailable',
    'Sinch.Rejected',
    'Lambda.TooManyRequestsException',
    'Sms.Bogus',
  ])('reports nothing for %s, which is no delivery report', (error) => {
    expect(reportedSmsFailure(error, causeOf({ reasonCode: 'RATE_LIMITED' }), 1)).toBeUndefined();
  });
});
