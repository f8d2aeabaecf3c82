import type { SinchClient, SmsMessage } from '../../../lib/workflow/sinch-client';
import { sendSmsTask, type SendSmsTaskDeps } from '../../../lib/workflow/send-sms-task';
import { aMetaItem } from '../../builders/attempt-item';
import { inMemoryDeliveries, type InMemoryDeliveries } from '../../support/in-memory-deliveries';

const NOW = new Date('2026-03-02T10:16:00.000Z');
const CREDENTIALS = { keyId: 'k', keySecret: 's' };
const silent = { info: () => undefined, warn: () => undefined };

function deps(
  table: InMemoryDeliveries,
  sinch: SinchClient,
  overrides: Partial<SendSmsTaskDeps> = {},
): SendSmsTaskDeps {
  return { deliveries: table, attempts: table, sinch, now: () => NOW, logger: silent, ...overrides };
}

describe('sendSmsTask', () => {
  it('has the attempt and its token stored before Sinch is called', async () => {
    // Prepare: a Sinch that looks at the table when it is called, as a very fast receipt would
    const table = inMemoryDeliveries([aMetaItem({ deliveryId: 'd-1' })]);
    let seenAtSend: unknown;
    const sinch: SinchClient = {
      sendSms: async () => {
        seenAtSend = table.attempt('d-1', 1);
        return { messageId: 'msg-1' };
      },
    };

    // Act
    await sendSmsTask(
      { deliveryId: 'd-1', attempt: 1, taskToken: 'token-1' },
      CREDENTIALS,
      deps(table, sinch),
    );

    // Assess
    expect(seenAtSend).toMatchObject({ taskToken: 'token-1', status: 'SENT' });
    expect(table.attempt('d-1', 1)).toMatchObject({ messageId: 'msg-1' });
  });

  it('asks Sinch to give up when the code expires, and sends the configured sender', async () => {
    const table = inMemoryDeliveries([
      aMetaItem({ deliveryId: 'd-1', expiresAt: '2026-03-02T10:21:00.500Z' }),
    ]);
    const sent: SmsMessage[] = [];
    const sinch: SinchClient = { sendSms: async (message) => (sent.push(message), { messageId: 'm' }) };

    await sendSmsTask(
      { deliveryId: 'd-1', attempt: 2, taskToken: 't' },
      CREDENTIALS,
      deps(table, sinch, { sender: 'Acme' }),
    );

    expect(sent).toEqual([expect.objectContaining({ ttlSeconds: 300, metadata: 'd-1#2', sender: 'Acme' })]);
  });

  it('succeeds when Sinch took the message even if storing its id fails', async () => {
    const table = inMemoryDeliveries([aMetaItem({ deliveryId: 'd-1' })]);
    const sinch: SinchClient = { sendSms: async () => ({ messageId: 'msg-1' }) };
    const warnings: string[] = [];

    const result = await sendSmsTask({ deliveryId: 'd-1', attempt: 1, taskToken: 't' }, CREDENTIALS, {
      ...deps(table, sinch),
      attempts: { ...table, setMessageId: () => Promise.reject(new Error('throttled')) },
      logger: { info: () => undefined, warn: (message: string) => void warnings.push(message) },
    });

    expect(result).toMatchObject({ messageId: 'msg-1', alreadySent: false });
    expect(warnings).toEqual(['Could not store the Sinch message id on the attempt']);
  });

  it('passes any other error through untouched', async () => {
    const table = inMemoryDeliveries([aMetaItem({ deliveryId: 'd-1' })]);
    const bug = new TypeError('bug');
    const sinch: SinchClient = { sendSms: () => Promise.reject(bug) };

    await expect(
      sendSmsTask({ deliveryId: 'd-1', attempt: 1, taskToken: 't' }, CREDENTIALS, deps(table, sinch)),
    ).rejects.toBe(bug);
    expect(table.attempt('d-1', 1)).not.toHaveProperty('reason');
  });
});
