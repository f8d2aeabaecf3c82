import { renderParkedReceipts } from '../../../../cli/format/dlq-text';
import { createStyle } from '../../../../cli/format/style';
import type { ParkedReceipt } from '../../../../cli/parked-receipt';

const parked: ParkedReceipt = {
  sqsMessageId: 'sqs-1',
  parkedAt: '2026-03-02T10:15:36.000Z',
  parkedBy: 'processor',
  reason: 'no attempt matches metadata',
  receivedAt: '2026-03-02T10:15:35.000Z',
  eventType: 'message_delivery_report',
  sinchMessageId: '01HZX4R2K8M3P6Q9S1T4V7W0YZ',
  status: 'FAILED',
  reasonCode: 'RECIPIENT_NOT_REACHABLE',
  deliveryId: 'd-otp-1',
  attempt: 2,
  recipient: '+46*****4567',
};

describe('renderParkedReceipts', () => {
  it('prints one row per receipt and the reasons with their counts', () => {
    const text = renderParkedReceipts(
      [parked, { ...parked, sqsMessageId: 'sqs-2' }],
      '2 parked.',
      createStyle(false),
    );

    expect(text).toContain(
      '2026-03-02 10:15:36  processor  d-otp-1#2         01HZX4R2K8M3P6Q9S1T4V7W0YZ  FAILED RECIPIENT_NOT_REACHABLE  +46*****4567  no attempt matches metadata',
    );
    expect(text).toContain('     2 × no attempt matches metadata');
    expect(text.trimEnd().endsWith('2 parked.')).toBe(true);
  });

  it('prints dashes for what an unreadable receipt does not say', () => {
    const unreadable: ParkedReceipt = {
      ...parked,
      deliveryId: null,
      attempt: null,
      sinchMessageId: null,
      status: null,
      reasonCode: null,
      recipient: null,
    };

    expect(renderParkedReceipts([unreadable], 's', createStyle(false))).toMatch(
      /processor {2}- +- +- +- +no attempt/,
    );
  });
});
