import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import reasonCodes from '../../fixtures/sinch-reason-codes.json';
import { FAILURE_CLASSES } from '../../../lib/shared/errors';
import { DEFAULT_POLICY } from '../../../lib/table/delivery-model';
import {
  LATE_AFTER_SECONDS,
  REASON_BY_CLASS,
  SCENARIOS,
  scenarioFor,
  scenarioTable,
} from '../../../local/sinch-scenarios';

describe('simulator scenario table', () => {
  it('gives every scenario its own number and id', () => {
    expect(new Set(SCENARIOS.map((s) => s.number)).size).toBe(SCENARIOS.length);
    expect(new Set(SCENARIOS.map((s) => s.id)).size).toBe(SCENARIOS.length);
  });

  it.each(SCENARIOS.map((s) => [s.number, s.id] as const))(
    'uses a valid mobile number from the range reserved for fiction: %s (%s)',
    (number) => {
      const parsed = parsePhoneNumberFromString(number);

      expect(parsed?.isValid()).toBe(true);
      expect(parsed?.getType()).toBe('MOBILE');
      expect(number).toMatch(/^\+467017406(0[5-9]|[1-9]\d)$/);
    },
  );

  it('covers a FAILED reason of each failure class, with a code the fixture assigns to that class', () => {
    for (const failureClass of FAILURE_CLASSES) {
      const reason = REASON_BY_CLASS[failureClass];
      const known = reasonCodes.reasonCodes.find((entry) => entry.code === reason.code);

      expect(known?.suggestedClass).toBe(failureClass);
      expect(SCENARIOS.some((s) => s.reports(0).some((r) => r.reason === reason))).toBe(true);
    }
  });

  it('covers every behaviour the issue lists', () => {
    const ids = SCENARIOS.map((s) => s.id);

    expect(ids).toEqual(
      expect.arrayContaining([
        'delivered',
        'no-report',
        'duplicate-reports',
        'delivered-before-queued',
        'fails-then-delivers',
        'send-503',
        'send-429',
        'send-400',
        'late',
      ]),
    );
  });

  it('never expects more SMS than the default policy allows, nor email without EMAIL_SENT', () => {
    for (const { expected } of SCENARIOS) {
      expect(expected.smsSends).toBeLessThanOrEqual(DEFAULT_POLICY.maxSmsAttempts);
      expect(expected.emails).toBe(expected.outcome === 'EMAIL_SENT' ? 1 : 0);
    }
  });

  it('sends the late report after the default receipt timeout', () => {
    const late = scenarioFor('+46701740614').reports(0);

    expect(LATE_AFTER_SECONDS).toBeGreaterThan(DEFAULT_POLICY.receiptTimeoutSeconds);
    expect(late.find((r) => r.status === 'DELIVERED')?.afterSeconds).toBe(LATE_AFTER_SECONDS);
  });

  it('sends DELIVERED before QUEUED_ON_CHANNEL for the reordering number', () => {
    const [first, second] = [...scenarioFor('+46701740612').reports(0)].sort(
      (a, b) => a.afterSeconds - b.afterSeconds,
    );

    expect([first?.status, second?.status]).toEqual(['DELIVERED', 'QUEUED_ON_CHANNEL']);
  });

  it('fails only the first attempt of the fails-then-delivers number', () => {
    const scenario = scenarioFor('+46701740613');

    expect(scenario.reports(0).map((r) => r.status)).toContain('FAILED');
    expect(scenario.reports(1).map((r) => r.status)).toEqual(['QUEUED_ON_CHANNEL', 'DELIVERED']);
  });

  it('treats an unlisted number, with or without +, as delivered', () => {
    expect(scenarioFor('+46701740699').id).toBe('delivered');
    expect(scenarioFor('46701740615').id).toBe('no-report');
  });

  it('exports a table row per scenario for stack.json and the README', () => {
    expect(scenarioTable()).toHaveLength(SCENARIOS.length);
    expect(scenarioTable()[0]).toEqual({
      number: '+46701740610',
      scenario: 'delivered',
      title: 'QUEUED_ON_CHANNEL then DELIVERED',
      expected: { outcome: 'DELIVERED', smsSends: 1, emails: 0 },
    });
  });
});
