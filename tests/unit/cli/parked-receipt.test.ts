import { encodeEnvelope } from '../../../lib/receipts/receipt-envelope';
import {
  countByReason,
  SQS_REDRIVE_REASON,
  summariseParkedMessage,
  type ParkedMessage,
} from '../../../cli/parked-receipt';

const FAILED_WEBHOOK = JSON.stringify({
  app_id: '01HZX4Q6W3N5T8B2C7D9E1F0GH',
  event_time: '2026-03-02T10:15:34.587Z',
  message_delivery_report: {
    message_id: '01HZX4R2K8M3P6Q9S1T4V7W0YZ',
    status: 'FAILED',
    channel_identity: { channel: 'SMS', identity: '46701234567', app_id: '' },
    reason: { code: 'RECIPIENT_NOT_REACHABLE', sub_code: 'UNSPECIFIED_SUB_CODE' },
    metadata: 'd-otp-1#2',
  },
});

function aParkedMessage(overrides: Partial<ParkedMessage> = {}): ParkedMessage {
  return {
    sqsMessageId: 'sqs-1',
    body: encodeEnvelope({ receivedAt: '2026-03-02T10:15:35.000Z', rawBody: FAILED_WEBHOOK }),
    attributes: { parkedReason: 'no attempt matches metadata d-otp-1#2', parkedBy: 'processor' },
    sentAt: '2026-03-02T10:15:36.000Z',
    ...overrides,
  };
}

describe('summariseParkedMessage', () => {
  it('shows who parked a receipt, why, and which delivery it belongs to, with the number masked', () => {
    // Act
    const summary = summariseParkedMessage(aParkedMessage());

    // Assess
    expect(summary).toEqual({
      sqsMessageId: 'sqs-1',
      parkedAt: '2026-03-02T10:15:36.000Z',
      parkedBy: 'processor',
      reason: 'no attempt matches metadata d-otp-1#2',
      receivedAt: '2026-03-02T10:15:35.000Z',
      eventType: 'message_delivery_report',
      sinchMessageId: '01HZX4R2K8M3P6Q9S1T4V7W0YZ',
      status: 'FAILED',
      reasonCode: 'RECIPIENT_NOT_REACHABLE',
      deliveryId: 'd-otp-1',
      attempt: 2,
      recipient: '+46*****4567',
    });
    expect(JSON.stringify(summary)).not.toContain('46701234567');
  });

  it('says SQS moved a receipt that carries no parked reason', () => {
    expect(summariseParkedMessage(aParkedMessage({ attributes: {} }))).toMatchObject({
      parkedBy: 'sqs',
      reason: SQS_REDRIVE_REASON,
    });
  });

  it('masks numbers inside a parked reason', () => {
    const message = aParkedMessage({
      attributes: { parkedReason: 'bad identity 46701234567', parkedBy: 'processor' },
    });

    expect(summariseParkedMessage(message).reason).toBe('bad identity +46*****4567');
  });

  it('falls back to the queue attributes when the body is not an envelope', () => {
    // Prepare
    const message = aParkedMessage({
      body: 'garbage',
      attributes: { eventType: 'message_delivery_report', messageId: 'm-9', status: 'DELIVERED' },
    });

    // Act
    const summary = summariseParkedMessage(message);

    // Assess
    expect(summary).toMatchObject({
      reason: 'not a receipt envelope',
      receivedAt: null,
      eventType: 'message_delivery_report',
      sinchMessageId: 'm-9',
      status: 'DELIVERED',
      deliveryId: null,
      recipient: null,
    });
  });

  it('tolerates an envelope whose body is not JSON', () => {
    const message = aParkedMessage({ body: encodeEnvelope({ receivedAt: 'x', rawBody: '{oops' }) });

    expect(summariseParkedMessage(message)).toMatchObject({
      eventType: null,
      sinchMessageId: null,
      reasonCode: null,
    });
  });
});

describe('countByReason', () => {
  it('counts reasons, most frequent first', () => {
    const receipts = [
      summariseParkedMessage(aParkedMessage({ attributes: { parkedReason: 'b' } })),
      summariseParkedMessage(aParkedMessage({ attributes: { parkedReason: 'a' } })),
      summariseParkedMessage(aParkedMessage({ attributes: { parkedReason: 'b' } })),
    ];

    expect(countByReason(receipts)).toEqual([
      { reason: 'b', count: 2 },
      { reason: 'a', count: 1 },
    ]);
  });
});
