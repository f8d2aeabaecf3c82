import { DEFAULT_POLICY } from '../../../lib/table/delivery-model';
import { finishedLine, waitingFor, waitingLine, worstCaseSeconds } from '../../../local/demo-progress';
import type { DeliverySummary } from '../../../local/delivery-summary';

function summaryWith(attempts: { attempt: number; status: string }[]): DeliverySummary {
  return {
    deliveryId: 'demo-1',
    smsAttempts: attempts.length,
    smsAccepted: attempts.length,
    emailAttempts: 0,
    lateSmsDelivered: false,
    attempts: attempts.map((a) => ({ ...a, channel: 'SMS' })) as unknown as DeliverySummary['attempts'],
  };
}

describe('demo progress', () => {
  it('takes the worst case as every receipt window waited out, with the backoffs between', () => {
    expect(worstCaseSeconds(DEFAULT_POLICY)).toBe(3 * 60 + 10 + 30);
    expect(worstCaseSeconds({ maxSmsAttempts: 1, receiptTimeoutSeconds: 30, resendBackoffSeconds: [] })).toBe(
      30,
    );
    expect(
      worstCaseSeconds({ maxSmsAttempts: 4, receiptTimeoutSeconds: 10, resendBackoffSeconds: [5] }),
    ).toBe(55);
  });

  it('says what a running delivery waits for', () => {
    expect(waitingFor(undefined)).toBe('its first SMS to be sent');
    expect(
      waitingFor(
        summaryWith([
          { attempt: 1, status: 'FAILED' },
          { attempt: 2, status: 'SENT' },
        ]),
      ),
    ).toBe('a delivery report for SMS attempt 2');
    expect(waitingFor(summaryWith([{ attempt: 1, status: 'FAILED' }]))).toBe(
      'the next step after SMS attempt 1 (FAILED)',
    );
  });

  it('marks an outcome that differs from the scenario table', () => {
    const line = { scenario: 'late', smsSent: 3, emails: 1, seconds: 10.52 };

    expect(finishedLine({ ...line, outcome: 'EMAIL_SENT', expectedOutcome: 'EMAIL_SENT' })).toBe(
      '  ✓ late: EMAIL_SENT after 10.5 s (3 SMS, 1 email)',
    );
    expect(finishedLine({ ...line, outcome: 'DELIVERED', expectedOutcome: 'EMAIL_SENT' })).toBe(
      '  ✗ late: DELIVERED after 10.5 s (3 SMS, 1 email, expected EMAIL_SENT)',
    );
  });

  it('tells how many still run and at most how long, at the stack time scale, never below zero', () => {
    const running = [{ scenario: 'no-report', summary: summaryWith([{ attempt: 2, status: 'SENT' }]) }];

    expect(waitingLine(running, { elapsedSeconds: 4, timeDivisor: 20 })).toBe(
      '  … 1 still running, at most about 7 s more: no-report (a delivery report for SMS attempt 2)',
    );
    expect(waitingLine(running, { elapsedSeconds: 400, timeDivisor: 1 })).toContain('at most about 0 s more');
  });
});
