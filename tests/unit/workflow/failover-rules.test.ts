import {
  FAILOVER_RULES,
  chooseNextProvider,
  failoverRuleFor,
  type FailoverMove,
} from '../../../lib/workflow/failover-rules';
import { RESENDABLE_FAILURES, FALLBACK_FAILURES } from '../../../lib/workflow/next-step-policy';

describe('failover rules', () => {
  // One line per row of the table: failure on Sinch, whether the attempt before failed the same way → move.
  const rows: ReadonlyArray<[string, boolean, FailoverMove]> = [
    ['Sinch.Unavailable', false, 'SECONDARY'],
    ['Sinch.Unavailable', true, 'SECONDARY'],
    ['Sinch.Rejected', false, 'SECONDARY'],
    ['Sms.Config', false, 'SECONDARY'],
    ['Sms.Unknown', false, 'STAY'],
    ['Sms.Unknown', true, 'SECONDARY'],
    ['Sms.Permanent', false, 'STAY'],
    ['Sms.Permanent', true, 'STAY'],
    ['Sms.Policy', false, 'STAY'],
    ['Sms.Transient', true, 'STAY'],
    ['Sms.RateLimited', true, 'STAY'],
    ['States.Timeout', true, 'STAY'],
  ];

  it.each(rows)('after %s on Sinch (repeated: %s) moves %s', (failure, repeated, move) => {
    // Act
    const choice = chooseNextProvider({
      failure,
      failedOn: 'sinch',
      previousFailureOnSameProvider: repeated ? failure : 'States.Timeout',
      secondary: 'aws-sms',
    });

    // Assess
    expect(choice.provider).toBe(move === 'SECONDARY' ? 'aws-sms' : 'sinch');
    expect(choice.rule?.move).toBe(move);
    expect(choice.rule?.why).toMatch(/^[a-zA-Z'].{20,}[^.]$/);
  });

  it('has exactly one row for each failure and repetition, none of them contradicting another', () => {
    // Prepare
    const keys = FAILOVER_RULES.map((rule) => `${rule.failure}#${rule.repeated ?? 'any'}`);

    // Assess
    expect(new Set(keys).size).toBe(keys.length);
    for (const rule of FAILOVER_RULES) {
      expect(failoverRuleFor(rule.failure, rule.repeated ?? false)).toBe(rule);
    }
  });

  it('names only failures the workflow knows, and every one of them is resendable or a fallback today', () => {
    for (const rule of FAILOVER_RULES) {
      expect(RESENDABLE_FAILURES.has(rule.failure) || FALLBACK_FAILURES.has(rule.failure)).toBe(true);
    }
  });

  it('never fails over a number that is wrong for every provider', () => {
    expect(failoverRuleFor('Sms.Permanent', true)?.move).toBe('STAY');
    expect(failoverRuleFor('Sms.Permanent', false)?.why).toMatch(/whichever provider/);
  });

  it('stays with the provider when the stage has no secondary', () => {
    expect(chooseNextProvider({ failure: 'Sinch.Unavailable', failedOn: 'sinch' })).toEqual({
      provider: 'sinch',
    });
  });

  it('never moves a delivery back from the secondary', () => {
    // Act
    const choice = chooseNextProvider({ failure: 'Sms.Config', failedOn: 'aws-sms', secondary: 'aws-sms' });

    // Assess
    expect(choice).toEqual({ provider: 'aws-sms' });
  });

  it('stays for a failure the table does not list (a fault of AWS)', () => {
    expect(
      chooseNextProvider({ failure: 'Aws.Unavailable', failedOn: 'sinch', secondary: 'aws-sms' }),
    ).toEqual({ provider: 'sinch' });
  });
});
