import fc from 'fast-check';
import { parseDeliveryReceipt } from '../../../lib/receipts/receipt-payload';
import { RECEIPT_STATUSES } from '../../../lib/receipts/status-rules';
import { UnusableReceiptError } from '../../../lib/shared/errors';

/**
 * Properties of the delivery report parser: a verified body can hold anything Sinch (or a bug) puts in
 * it; the parser either returns a receipt it can stand behind or says, with a reason, why it cannot.
 */

function parsedOrReason(rawBody: string): {
  receipt?: ReturnType<typeof parseDeliveryReceipt>;
  reason?: string;
} {
  try {
    return { receipt: parseDeliveryReceipt(rawBody) };
  } catch (error) {
    if (error instanceof UnusableReceiptError) return { reason: error.reason };
    throw error;
  }
}

const reportShaped = fc.record(
  {
    message_id: fc.oneof(fc.string(), fc.constant('01HZX4R2K8M3P6Q9S1T4V7W0YZ'), fc.integer()),
    status: fc.oneof(fc.constantFrom(...RECEIPT_STATUSES), fc.string(), fc.constant(null)),
    metadata: fc.oneof(fc.string(), fc.jsonValue()),
    reason: fc.oneof(
      fc.record({ code: fc.string(), description: fc.string(), sub_code: fc.string() }, { requiredKeys: [] }),
      fc.jsonValue(),
    ),
    channel_identity: fc.oneof(fc.record({ channel: fc.string(), identity: fc.string() }), fc.jsonValue()),
  },
  { requiredKeys: [] },
);

describe('parseDeliveryReceipt, for any body', () => {
  it('returns a receipt or an UnusableReceiptError with a reason, never anything else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (body) => {
          parsedOrReason(body);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('accepts a report only with a message id and a documented status, and keys it by both', () => {
    fc.assert(
      fc.property(reportShaped, fc.option(fc.string(), { nil: undefined }), (report, eventTime) => {
        const body = JSON.stringify({ event_time: eventTime, message_delivery_report: report });

        const { receipt, reason } = parsedOrReason(body);

        if (receipt) {
          expect(receipt.messageId).toBe(String(report.message_id).trim());
          expect(RECEIPT_STATUSES).toContain(receipt.status);
          expect(receipt.dedupeKey.startsWith(`${receipt.messageId}#${receipt.status}#`)).toBe(true);
        } else {
          expect(typeof reason).toBe('string');
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('never carries the recipient number into the receipt', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^46\d{9}$/), (identity) => {
        const body = JSON.stringify({
          message_delivery_report: {
            message_id: 'm-1',
            status: 'DELIVERED',
            channel_identity: { channel: 'SMS', identity },
          },
        });

        expect(JSON.stringify(parsedOrReason(body))).not.toContain(identity);
      }),
    );
  });
});
