import { parseOutcomeFilter, selectRecent, toDeliveryRow } from '../../../cli/delivery-list';
import { aDeliveryRecord, at } from '../../builders/delivery-history';

describe('parseOutcomeFilter', () => {
  it('accepts every outcome and IN_PROGRESS, in any case', () => {
    expect(parseOutcomeFilter('email_sent')).toBe('EMAIL_SENT');
    expect(parseOutcomeFilter('IN_PROGRESS')).toBe('IN_PROGRESS');
    expect(parseOutcomeFilter(undefined)).toBeUndefined();
  });

  it('lists the valid values when given another', () => {
    expect(() => parseOutcomeFilter('LOST')).toThrow(
      /--outcome must be one of DELIVERED, .*IN_PROGRESS, got "LOST"/,
    );
  });
});

describe('selectRecent', () => {
  const records = [
    aDeliveryRecord({ deliveryId: 'old', createdAt: at(-7200), outcome: 'DELIVERED', outcomeAt: at(-7190) }),
    aDeliveryRecord({ deliveryId: 'new', createdAt: at(60) }),
    aDeliveryRecord({ deliveryId: 'mid', createdAt: at(0), outcome: 'EMAIL_SENT', outcomeAt: at(75) }),
  ];

  it('sorts newest first and cuts to the limit', () => {
    expect(selectRecent(records, { limit: 2 }).map((r) => r.deliveryId)).toEqual(['new', 'mid']);
  });

  it('keeps only deliveries since the instant and with the outcome asked for', () => {
    expect(selectRecent(records, { since: new Date(at(-60)), limit: 10 }).map((r) => r.deliveryId)).toEqual([
      'new',
      'mid',
    ]);
    expect(selectRecent(records, { outcome: 'IN_PROGRESS', limit: 10 }).map((r) => r.deliveryId)).toEqual([
      'new',
    ]);
    expect(selectRecent(records, { outcome: 'DELIVERED', limit: 10 }).map((r) => r.deliveryId)).toEqual([
      'old',
    ]);
  });
});

describe('toDeliveryRow', () => {
  it('shows the masked recipient and the time to outcome', () => {
    const row = toDeliveryRow(
      aDeliveryRecord({ outcome: 'EMAIL_SENT', outcomeAt: at(75), attempts: 3, lateSmsDelivered: true }),
    );

    expect(row).toEqual({
      deliveryId: 'd-otp-1',
      createdAt: at(0),
      recipient: '+46*****4567',
      outcome: 'EMAIL_SENT',
      outcomeAt: at(75),
      timeToOutcomeMs: 75_000,
      smsAttempts: 3,
      lateSmsDelivered: true,
    });
  });

  it('marks a delivery without an outcome as in progress', () => {
    expect(toDeliveryRow(aDeliveryRecord())).toMatchObject({
      outcome: 'IN_PROGRESS',
      outcomeAt: null,
      timeToOutcomeMs: null,
      smsAttempts: null,
    });
  });
});
