import { toDeliveryRow } from '../../../../cli/delivery-list';
import { renderDeliveryRows } from '../../../../cli/format/list-text';
import { createStyle } from '../../../../cli/format/style';
import { aDeliveryRecord, at } from '../../../builders/delivery-history';

describe('renderDeliveryRows', () => {
  it('prints aligned rows with the masked recipient and a follow-up command', () => {
    // Prepare
    const rows = [
      toDeliveryRow(
        aDeliveryRecord({
          deliveryId: 'd-2',
          createdAt: at(60),
          outcome: 'DELIVERED',
          outcomeAt: at(63),
          attempts: 1,
        }),
      ),
      toDeliveryRow(
        aDeliveryRecord({
          deliveryId: 'd-1',
          lateSmsDelivered: true,
          outcome: 'EMAIL_SENT',
          outcomeAt: at(75),
          attempts: 3,
        }),
      ),
    ];

    // Act
    const text = renderDeliveryRows(rows, '2 deliveries.', '--stage prod', createStyle(false));

    // Assess
    expect(text.split('\n')).toEqual([
      'CREATED (UTC)        DELIVERY  RECIPIENT     OUTCOME                 TOOK    SMS',
      '2026-03-02 10:16:30  d-2       +46*****4567  DELIVERED               3s      1',
      '2026-03-02 10:15:30  d-1       +46*****4567  EMAIL_SENT (+late SMS)  1m 15s  3',
      '',
      '2 deliveries.',
      'See one in full: receipt-sms inspect <DELIVERY> --stage prod',
      '',
    ]);
  });

  it('prints only the summary when nothing matched', () => {
    expect(renderDeliveryRows([], 'No deliveries.', '--local', createStyle(false))).toBe('No deliveries.\n');
  });
});
