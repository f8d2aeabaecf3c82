import { UnusableReceiptError } from '../../../lib/shared/errors';
import { parseDeliveryReceipt, safeDescription } from '../../../lib/receipts/receipt-payload';
import { DEFAULT_MESSAGE_ID, aDeliveryReport, deliveryReportBody } from '../../builders/delivery-report';

function reasonOf(act: () => unknown): string | undefined {
  try {
    act();
  } catch (error) {
    if (error instanceof UnusableReceiptError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('delivery receipt payload', () => {
  it('parses the failed example of the reference', () => {
    const body =
      '{"app_id":"01HZX4Q6W3N5T8B2C7D9E1F0GH","accepted_time":"2026-03-02T10:15:30.120Z","event_time":"2026-03-02T10:15:34.587Z","project_id":"2f6b1c1e-4a7d-4f3e-9a61-0c2b5d8e7f10","message_delivery_report":{"message_id":"01HZX4R2K8M3P6Q9S1T4V7W0YZ","conversation_id":"","status":"FAILED","channel_identity":{"channel":"SMS","identity":"46701234567","app_id":""},"contact_id":"","reason":{"code":"RECIPIENT_NOT_REACHABLE","description":"The underlying channel reported: example","sub_code":"UNSPECIFIED_SUB_CODE"},"metadata":"{\\"notificationId\\":\\"n-123\\",\\"attempt\\":1}","processing_mode":"DISPATCH"},"message_metadata":"","correlation_id":"n-123#1"}';

    expect(parseDeliveryReceipt(body)).toEqual({
      provider: 'sinch',
      messageId: '01HZX4R2K8M3P6Q9S1T4V7W0YZ',
      status: 'FAILED',
      eventTime: '2026-03-02T10:15:34.587Z',
      metadata: '{"notificationId":"n-123","attempt":1}',
      channel: 'SMS',
      reason: {
        code: 'RECIPIENT_NOT_REACHABLE',
        subCode: 'UNSPECIFIED_SUB_CODE',
        description: 'The underlying channel reported: example',
      },
      dedupeKey: '01HZX4R2K8M3P6Q9S1T4V7W0YZ#FAILED#2026-03-02T10:15:34.587Z',
    });
  });

  it('keeps a nanosecond event_time exactly as sent, for the dedupe key', () => {
    const receipt = parseDeliveryReceipt(deliveryReportBody({ eventTime: '2022-02-07T20:01:09.892757478Z' }));

    expect(receipt.eventTime).toBe('2022-02-07T20:01:09.892757478Z');
    expect(receipt.dedupeKey).toBe(`${DEFAULT_MESSAGE_ID}#DELIVERED#2022-02-07T20:01:09.892757478Z`);
  });

  it('treats empty strings, nulls and wrongly typed optional fields as absent', () => {
    const report = aDeliveryReport({ eventTime: '', metadata: '' });
    Object.assign(report.message_delivery_report as object, {
      reason: { code: '', sub_code: null, description: 42 },
      channel_identity: 'SMS',
    });

    const receipt = parseDeliveryReceipt(JSON.stringify(report));

    expect(receipt).toEqual({
      provider: 'sinch',
      messageId: DEFAULT_MESSAGE_ID,
      status: 'DELIVERED',
      dedupeKey: `${DEFAULT_MESSAGE_ID}#DELIVERED#`,
    });
  });

  it('accepts an identity without a leading + and never returns it', () => {
    const receipt = parseDeliveryReceipt(deliveryReportBody({ identity: '46701234567' }));

    expect(JSON.stringify(receipt)).not.toContain('46701234567');
  });

  it('reads our metadata back from the report', () => {
    expect(parseDeliveryReceipt(deliveryReportBody({ metadata: 'dlv-1#2' })).metadata).toBe('dlv-1#2');
  });

  it.each([
    ['not json', 'not_json'],
    ['[1,2]', 'not_an_object'],
    ['null', 'not_an_object'],
    ['{"message_submit_notification":{}}', 'not_a_delivery_report'],
    ['{"message_delivery_report":"DELIVERED"}', 'malformed_delivery_report'],
    [deliveryReportBody({ messageId: '' }), 'missing_message_id'],
    [deliveryReportBody({ messageId: '   ' }), 'missing_message_id'],
    [deliveryReportBody({ status: '' }), 'missing_status'],
    [deliveryReportBody({ status: 'QUEUED' }), 'unknown_status'],
  ])('refuses %s as %s', (body, reason) => {
    expect(reasonOf(() => parseDeliveryReceipt(body))).toBe(reason);
  });

  it('redacts phone-shaped digit runs from descriptions and caps their length', () => {
    expect(safeDescription('Handset +46 70 123 4567 unreachable (code 27)')).toBe(
      'Handset [redacted] unreachable (code 27)',
    );
    expect(safeDescription('x'.repeat(1000))).toHaveLength(256);
  });
});
