import { FAILURE_CLASSES } from '../../../lib/shared/errors';
import { OUTCOMES } from '../../../lib/table/delivery-model';
import { FAILURE_CLASS_GUIDANCE, OUTCOME_GUIDANCE, verdict } from '../../../cli/guidance';
import { buildDeliveryReport } from '../../../cli/timeline';
import { aDeliveryRecord, aReceipt, anSmsAttempt, at } from '../../builders/delivery-history';

describe('guidance', () => {
  it('has words for every failure class and every outcome', () => {
    expect(Object.keys(FAILURE_CLASS_GUIDANCE).sort()).toEqual([...FAILURE_CLASSES].sort());
    expect(Object.keys(OUTCOME_GUIDANCE).sort()).toEqual([...OUTCOMES, 'IN_PROGRESS'].sort());
  });

  it('tells support to alert engineering for a configuration failure', () => {
    // Prepare
    const report = buildDeliveryReport({
      delivery: aDeliveryRecord({ outcome: 'UNDELIVERABLE', outcomeAt: at(5) }),
      attempts: [
        anSmsAttempt(1, 0.3, [aReceipt('FAILED', 4, { reasonCode: 'CHANNEL_BAD_CONFIGURATION' })], {
          class: 'Config',
        }),
      ],
      explainReason: () => ({ failureClass: 'Config', meaning: 'misconfigured' }),
    });

    // Act
    const advice = verdict(report);

    // Assess
    expect(advice.map((g) => g.action)).toEqual([
      OUTCOME_GUIDANCE.UNDELIVERABLE.action,
      FAILURE_CLASS_GUIDANCE.Config.action,
    ]);
    expect(advice[1]?.action).toMatch(/Alert engineering/);
  });

  it('does not blame an earlier failure once a resend was delivered', () => {
    const report = buildDeliveryReport({
      delivery: aDeliveryRecord({ outcome: 'DELIVERED_AFTER_RESEND', outcomeAt: at(80) }),
      attempts: [
        anSmsAttempt(1, 0.3, [], { class: 'Transient' }),
        anSmsAttempt(2, 70, [aReceipt('DELIVERED', 79)]),
      ],
      explainReason: () => ({ failureClass: 'Transient', meaning: 't' }),
    });

    expect(verdict(report)).toEqual([OUTCOME_GUIDANCE.DELIVERED_AFTER_RESEND]);
  });
});
