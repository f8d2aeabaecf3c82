import { outcomeOf } from '../../../lib/workflow/record-outcome-task';

describe('outcomeOf', () => {
  it.each([
    ['DELIVERED', 1, 'DELIVERED'],
    ['DELIVERED', 2, 'DELIVERED_AFTER_RESEND'],
    ['EMAIL_SENT', 3, 'EMAIL_SENT'],
    ['UNDELIVERABLE', 2, 'UNDELIVERABLE'],
    ['EXPIRED', 1, 'EXPIRED'],
  ] as const)('turns %s after SMS attempt %i into %s', (result, attempt, outcome) => {
    expect(outcomeOf(result, attempt)).toBe(outcome);
  });
});
