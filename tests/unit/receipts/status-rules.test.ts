import { SMS_STATUSES, type SmsStatus } from '../../../lib/table/delivery-model';
import {
  RECEIPT_STATUSES,
  isReceiptStatus,
  laterStatus,
  meaningOf,
  movesForward,
  statusesBefore,
} from '../../../lib/receipts/status-rules';

describe('status rules', () => {
  it('orders an attempt SENT < QUEUED_ON_CHANNEL < DELIVERED < READ with FAILED above all', () => {
    const order = ['SENT', 'QUEUED_ON_CHANNEL', 'DELIVERED', 'READ', 'FAILED'] as const;

    for (const [i, lower] of order.entries()) {
      for (const higher of order.slice(i + 1)) {
        expect(movesForward(lower, higher)).toBe(true);
        expect(movesForward(higher, lower)).toBe(false);
      }
      expect(movesForward(lower, lower)).toBe(false);
    }
  });

  it('never moves a FAILED attempt', () => {
    for (const next of SMS_STATUSES) {
      expect(movesForward('FAILED', next)).toBe(false);
    }
  });

  it('lists exactly the statuses a forward move may start from', () => {
    expect(statusesBefore('SENT')).toEqual([]);
    expect(statusesBefore('QUEUED_ON_CHANNEL')).toEqual(['SENT']);
    expect(statusesBefore('DELIVERED')).toEqual(['SENT', 'QUEUED_ON_CHANNEL']);
    expect(statusesBefore('FAILED')).toEqual(['SENT', 'QUEUED_ON_CHANNEL', 'DELIVERED', 'READ']);
  });

  it('ends in the same status whatever order the receipts arrive in', () => {
    const fold = (seq: readonly SmsStatus[]) =>
      seq.reduce<SmsStatus>((acc, s) => laterStatus(acc, s), 'SENT');

    expect(fold(['DELIVERED', 'QUEUED_ON_CHANNEL'])).toBe('DELIVERED');
    expect(fold(['QUEUED_ON_CHANNEL', 'DELIVERED'])).toBe('DELIVERED');
    expect(fold(['FAILED', 'DELIVERED', 'QUEUED_ON_CHANNEL'])).toBe('FAILED');
    expect(fold(['DELIVERED', 'FAILED'])).toBe('FAILED');
    expect(fold(['READ', 'DELIVERED'])).toBe('READ');
  });

  it.each([
    ['QUEUED_ON_CHANNEL', { status: 'QUEUED_ON_CHANNEL' }],
    ['DELIVERED', { status: 'DELIVERED', callback: 'success' }],
    ['READ', { status: 'READ', callback: 'success' }],
    ['FAILED', { status: 'FAILED', callback: 'failure' }],
    ['SWITCHING_CHANNEL', {}],
  ] as const)('gives %s the meaning %j', (status, meaning) => {
    expect(meaningOf(status)).toEqual(meaning);
  });

  it('recognises every status Sinch documents and nothing else', () => {
    for (const status of RECEIPT_STATUSES) expect(isReceiptStatus(status)).toBe(true);
    expect(isReceiptStatus('QUEUED')).toBe(false);
    expect(isReceiptStatus('delivered')).toBe(false);
  });
});
