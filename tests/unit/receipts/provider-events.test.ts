import { classifyReceipt, receiptBelongsTo } from '../../../lib/receipts/provider-events';

describe('provider events', () => {
  it('classifies each receipt by the table of the provider that reported it', () => {
    expect(classifyReceipt({ provider: 'sinch', reason: { code: 'RATE_LIMITED' } }).failureClass).toBe(
      'RateLimited',
    );
    expect(classifyReceipt({ provider: 'aws-sms', reason: { code: 'TEXT_INVALID' } }).failureClass).toBe(
      'Permanent',
    );
    // A Sinch code means nothing to the secondary's table, and the other way round.
    expect(classifyReceipt({ provider: 'aws-sms', reason: { code: 'RATE_LIMITED' } }).failureClass).toBe(
      'Unknown',
    );
    expect(classifyReceipt({ provider: 'sinch', reason: { code: 'TEXT_INVALID' } }).failureClass).toBe(
      'Unknown',
    );
  });

  it('trusts a report only for an attempt its provider sent', () => {
    expect(receiptBelongsTo({ provider: 'sinch', messageId: 'm-1' }, {})).toBe(true);
    expect(
      receiptBelongsTo({ provider: 'sinch', messageId: 'm-1' }, { provider: 'aws-sms', messageId: 'm-1' }),
    ).toBe(false);
  });

  it('trusts a secondary event only when it names the message id our send got back', () => {
    const attempt = { provider: 'aws-sms', messageId: 'aws-1' };

    expect(receiptBelongsTo({ provider: 'aws-sms', messageId: 'aws-1' }, attempt)).toBe(true);
    // Our reference in the Context, someone else's message: counted as an orphan, never acted on.
    expect(receiptBelongsTo({ provider: 'aws-sms', messageId: 'other' }, attempt)).toBe(false);
    // Not stored yet: not trusted now, retried through the queue.
    expect(receiptBelongsTo({ provider: 'aws-sms', messageId: 'aws-1' }, { provider: 'aws-sms' })).toBe(
      false,
    );
  });
});
