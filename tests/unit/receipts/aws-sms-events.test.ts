import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnusableReceiptError } from '../../../lib/shared/errors';
import {
  AWS_SMS_EVENT_POLICY,
  classifyAwsSmsEvent,
  isAwsSmsEvent,
  parseAwsSmsEvent,
} from '../../../lib/receipts/aws-sms-events';
import { anAwsSmsEvent } from '../../builders/aws-sms-event';

describe('AWS End User Messaging SMS delivery events', () => {
  it('parses the delivered example of the EventBridge documentation into a receipt', () => {
    // Prepare
    const event = anAwsSmsEvent({ eventType: 'TEXT_SUCCESSFUL', messageId: 'ed23196c', reference: 'd-1#2' });

    // Act
    const receipt = parseAwsSmsEvent(event);

    // Assess
    expect(receipt).toEqual({
      provider: 'aws-sms',
      messageId: 'ed23196c',
      status: 'DELIVERED',
      eventTime: '2025-10-01T18:20:41.377Z',
      metadata: 'd-1#2',
      channel: 'SMS',
      dedupeKey: 'ed23196c#TEXT_SUCCESSFUL#2025-10-01T18:20:41.377Z',
    });
    expect(JSON.stringify(receipt)).not.toContain('+1425');
  });

  it('records a non-final success as queued, and an unlisted final type as an Unknown failure', () => {
    expect(parseAwsSmsEvent(anAwsSmsEvent({ eventType: 'TEXT_SUCCESSFUL', isFinal: false })).status).toBe(
      'QUEUED_ON_CHANNEL',
    );
    const unlisted = parseAwsSmsEvent(anAwsSmsEvent({ eventType: 'TEXT_SOMETHING_NEW', isFinal: true }));
    expect(unlisted).toMatchObject({ status: 'FAILED', reason: { code: 'TEXT_SOMETHING_NEW' } });
    expect(classifyAwsSmsEvent(unlisted.reason).failureClass).toBe('Unknown');
  });

  it.each(Object.entries(AWS_SMS_EVENT_POLICY).filter(([, policy]) => policy.status === 'FAILED'))(
    'classifies %s by the table',
    (eventType, policy) => {
      // Act
      const receipt = parseAwsSmsEvent(anAwsSmsEvent({ eventType }));

      // Assess
      expect(receipt.status).toBe('FAILED');
      expect(classifyAwsSmsEvent(receipt.reason).failureClass).toBe(
        (policy as { failureClass: string }).failureClass,
      );
    },
  );

  it('refuses what it cannot act on, with a reason', () => {
    const reasons = [
      { ...anAwsSmsEvent({}), 'detail-type': 'Registration Status Change' },
      { ...anAwsSmsEvent({}), detail: { eventType: 'TEXT_DELIVERED' } },
      { ...anAwsSmsEvent({}), detail: { messageId: 'm-1' } },
      { source: 'aws.sms-voice', detail: 'nonsense' },
    ].map((event) => {
      try {
        parseAwsSmsEvent(event);
        return 'parsed';
      } catch (error) {
        return error instanceof UnusableReceiptError ? error.reason : 'other';
      }
    });
    expect(reasons).toEqual([
      'not_a_delivery_report',
      'missing_message_id',
      'missing_status',
      'malformed_delivery_report',
    ]);
  });

  it('tells an event of the secondary from anything else', () => {
    expect(isAwsSmsEvent(anAwsSmsEvent({}))).toBe(true);
    expect(isAwsSmsEvent({ v: 2, receivedAt: 'x', body: '' })).toBe(false);
    expect(isAwsSmsEvent(null)).toBe(false);
  });

  it('is mirrored, type by type and class by class, in docs/reason-codes.md', () => {
    // Prepare
    const doc = readFileSync(join(__dirname, '../../../docs/reason-codes.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## AWS End User Messaging SMS event types'));
    const rows = [...section.matchAll(/^\| `(TEXT_[A-Z_]+)` +\| ([A-Za-z_ ]+?) +\|/gm)].map(
      ([, type, what]) => [type, what],
    );

    // Assess
    expect(Object.fromEntries(rows)).toEqual(
      Object.fromEntries(
        Object.entries(AWS_SMS_EVENT_POLICY).map(([type, policy]) => [
          type,
          'failureClass' in policy ? policy.failureClass : policy.status,
        ]),
      ),
    );
    expect(section).toContain(
      'https://docs.aws.amazon.com/sms-voice/latest/userguide/configuration-sets-event-types.html',
    );
  });
});
