import { AwsSmsUnavailableError, SinchUnavailableError } from '../../../lib/shared/errors';
import type { SinchClient, SmsMessage } from '../../../lib/workflow/sinch-client';
import { sendSmsTask, type SendSmsTaskDeps } from '../../../lib/workflow/send-sms-task';
import {
  CLOSED_BREAKER,
  createPrimaryBreaker,
  type BreakerState,
  type BreakerStore,
} from '../../../lib/workflow/provider-breaker';
import { sinchProvider, type SmsProvider, type SmsSendRequest } from '../../../lib/workflow/sms-provider';
import { aMetaItem } from '../../builders/attempt-item';
import { inMemoryDeliveries, type InMemoryDeliveries } from '../../support/in-memory-deliveries';

const NOW = new Date('2026-03-02T10:16:00.000Z');
const CREDENTIALS = { keyId: 'k', keySecret: 's' };
const silent = { info: () => undefined, warn: () => undefined };
const SETTINGS = { threshold: 2, windowSeconds: 60, openSeconds: 30 };

function deps(
  table: InMemoryDeliveries,
  sinch: SinchClient,
  overrides: Partial<SendSmsTaskDeps> & { sender?: string } = {},
): SendSmsTaskDeps {
  const { sender, ...rest } = overrides;
  return {
    deliveries: table,
    attempts: table,
    providers: { sinch: sinchProvider(sinch, CREDENTIALS, sender) },
    now: () => NOW,
    logger: silent,
    ...rest,
  };
}

function memoryStore(initial: BreakerState = CLOSED_BREAKER): BreakerStore & { state: BreakerState } {
  const store = {
    state: initial,
    read: async () => store.state,
    write: async (next: BreakerState) => {
      if (next.version !== store.state.version + 1) return false;
      store.state = next;
      return true;
    },
  };
  return store;
}

function recordingProvider(id: SmsProvider['id'], sent: SmsSendRequest[], fail?: Error): SmsProvider {
  return {
    id,
    send: async (request) => {
      sent.push(request);
      if (fail) throw fail;
      return { messageId: `${id}-msg` };
    },
  };
}

describe('sendSmsTask', () => {
  it('has the attempt, its token and its provider stored before the provider is called', async () => {
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
    const result = await sendSmsTask(
      { deliveryId: 'd-1', attempt: 1, taskToken: 'token-1' },
      deps(table, sinch),
    );

    // Assess
    expect(seenAtSend).toMatchObject({ taskToken: 'token-1', status: 'SENT', provider: 'sinch' });
    expect(table.attempt('d-1', 1)).toMatchObject({ messageId: 'msg-1' });
    expect(result).toMatchObject({ provider: 'sinch', messageId: 'msg-1' });
  });

  it('asks Sinch to give up when the code expires, and sends the configured sender', async () => {
    // Prepare
    const table = inMemoryDeliveries([
      aMetaItem({ deliveryId: 'd-1', expiresAt: '2026-03-02T10:21:00.500Z' }),
    ]);
    const sent: SmsMessage[] = [];
    const sinch: SinchClient = { sendSms: async (message) => (sent.push(message), { messageId: 'm' }) };

    // Act
    await sendSmsTask(
      { deliveryId: 'd-1', attempt: 2, taskToken: 't' },
      deps(table, sinch, { sender: 'Acme' }),
    );

    // Assess
    expect(sent).toEqual([expect.objectContaining({ ttlSeconds: 300, metadata: 'd-1#2', sender: 'Acme' })]);
  });

  it('succeeds when the provider took the message even if storing its id fails', async () => {
    // Prepare
    const table = inMemoryDeliveries([aMetaItem({ deliveryId: 'd-1' })]);
    const sinch: SinchClient = { sendSms: async () => ({ messageId: 'msg-1' }) };
    const warnings: string[] = [];

    // Act
    const result = await sendSmsTask(
      { deliveryId: 'd-1', attempt: 1, taskToken: 't' },
      {
        ...deps(table, sinch),
        attempts: { ...table, setMessageId: () => Promise.reject(new Error('throttled')) },
        logger: { info: () => undefined, warn: (message: string) => void warnings.push(message) },
      },
    );

    // Assess
    expect(result).toMatchObject({ messageId: 'msg-1', alreadySent: false });
    expect(warnings).toEqual(['Could not store the message id on the attempt']);
  });

  it('passes any other error through untouched', async () => {
    // Prepare
    const table = inMemoryDeliveries([aMetaItem({ deliveryId: 'd-1' })]);
    const bug = new TypeError('bug');
    const sinch: SinchClient = { sendSms: () => Promise.reject(bug) };

    // Act
    const sending = sendSmsTask({ deliveryId: 'd-1', attempt: 1, taskToken: 't' }, deps(table, sinch));

    // Assess
    await expect(sending).rejects.toBe(bug);
    expect(table.attempt('d-1', 1)).not.toHaveProperty('reason');
  });

  it('waits for a report, and never sends again, when Sinch did not answer a send it may have taken', async () => {
    // Prepare: messages:send times out, as a slow Sinch would
    const table = inMemoryDeliveries([aMetaItem({ deliveryId: 'd-1' })]);
    const sent: SmsMessage[] = [];
    const sinch: SinchClient = {
      sendSms: async (message) => {
        sent.push(message);
        throw new SinchUnavailableError('Sinch messages:send timed out after 4000 ms', undefined, {
          mayHaveBeenAccepted: true,
        });
      },
    };

    // Act: the task, then a Step Functions retry of the same attempt
    const first = await sendSmsTask({ deliveryId: 'd-1', attempt: 1, taskToken: 't-1' }, deps(table, sinch));
    const retried = await sendSmsTask(
      { deliveryId: 'd-1', attempt: 1, taskToken: 't-2' },
      deps(table, sinch),
    );

    // Assess: one SMS at most; the attempt waits with the newest token and says why
    expect(first).toMatchObject({ unconfirmed: true, alreadySent: false });
    expect(first).not.toHaveProperty('messageId');
    expect(retried).toMatchObject({ unconfirmed: true, alreadySent: true });
    expect(sent).toHaveLength(1);
    expect(table.attempt('d-1', 1)).toMatchObject({
      status: 'SENT',
      taskToken: 't-2',
      unconfirmedAt: NOW.toISOString(),
      reason: expect.stringContaining('timed out after 4000 ms') as unknown,
    });
  });

  it('still waits for the report when the unanswered send cannot be noted', async () => {
    // Prepare: the note's write fails, as with DynamoDB throttled
    const table = inMemoryDeliveries([aMetaItem({ deliveryId: 'd-1' })]);
    const warnings: string[] = [];
    const sinch: SinchClient = {
      sendSms: () =>
        Promise.reject(
          new SinchUnavailableError('Sinch messages:send timed out after 4000 ms', undefined, {
            mayHaveBeenAccepted: true,
          }),
        ),
    };
    const attempts = {
      ...table,
      noteUnconfirmedSend: () =>
        Promise.reject(Object.assign(new Error('x'), { name: 'ThrottlingException' })),
    };

    // Act
    const result = await sendSmsTask(
      { deliveryId: 'd-1', attempt: 1, taskToken: 't-1' },
      {
        ...deps(table, sinch),
        attempts,
        logger: { info: () => undefined, warn: (m) => warnings.push(String(m)) },
      },
    );

    // Assess
    expect(result).toMatchObject({ unconfirmed: true });
    expect(warnings).toContain('Could not note the unanswered send on the attempt');
  });

  it('throws for the state machine to retry when Sinch could not be reached at all', async () => {
    const table = inMemoryDeliveries([aMetaItem({ deliveryId: 'd-1' })]);
    const refused = new SinchUnavailableError('Sinch messages:send could not be reached');
    const sinch: SinchClient = { sendSms: () => Promise.reject(refused) };

    const sending = sendSmsTask({ deliveryId: 'd-1', attempt: 1, taskToken: 't' }, deps(table, sinch));

    await expect(sending).rejects.toBe(refused);
    expect(table.attempt('d-1', 1)).not.toHaveProperty('unconfirmedAt');
  });

  it('sends through the provider the workflow named, with the same reference and validity', async () => {
    // Prepare
    const table = inMemoryDeliveries([
      aMetaItem({ deliveryId: 'd-1', expiresAt: '2026-03-02T10:20:00.000Z' }),
    ]);
    const sent: SmsSendRequest[] = [];
    const sinch: SinchClient = { sendSms: () => Promise.reject(new Error('must not be called')) };

    // Act
    const result = await sendSmsTask(
      { deliveryId: 'd-1', attempt: 2, taskToken: 't', provider: 'aws-sms' },
      { ...deps(table, sinch), providers: { 'aws-sms': recordingProvider('aws-sms', sent) } },
    );

    // Assess
    expect(sent).toEqual([expect.objectContaining({ reference: 'd-1#2', ttlSeconds: 240 })]);
    expect(result).toMatchObject({ provider: 'aws-sms', messageId: 'aws-sms-msg' });
    expect(table.attempt('d-1', 2)).toMatchObject({ provider: 'aws-sms', messageId: 'aws-sms-msg' });
  });

  it('keeps the provider of the first try when Step Functions retries the attempt', async () => {
    // Prepare: the first try went to the secondary and failed to hand over
    const table = inMemoryDeliveries([aMetaItem({ deliveryId: 'd-1' })]);
    const sent: SmsSendRequest[] = [];
    const secondary = recordingProvider('aws-sms', sent);
    const failing = recordingProvider(
      'aws-sms',
      [],
      new AwsSmsUnavailableError('throttled', 'ThrottlingException'),
    );
    const sinch: SinchClient = { sendSms: () => Promise.reject(new Error('must not be called')) };
    await expect(
      sendSmsTask(
        { deliveryId: 'd-1', attempt: 1, taskToken: 't1', provider: 'aws-sms' },
        { ...deps(table, sinch), providers: { 'aws-sms': failing } },
      ),
    ).rejects.toBeInstanceOf(AwsSmsUnavailableError);

    // Act: the retry carries no provider (the breaker would say primary now)
    const result = await sendSmsTask(
      { deliveryId: 'd-1', attempt: 1, taskToken: 't2' },
      {
        ...deps(table, sinch),
        providers: { sinch: sinchProvider(sinch, CREDENTIALS, undefined), 'aws-sms': secondary },
      },
    );

    // Assess
    expect(result.provider).toBe('aws-sms');
    expect(sent).toHaveLength(1);
  });

  it('starts a first attempt on the secondary while the breaker has the primary open', async () => {
    // Prepare
    const table = inMemoryDeliveries([aMetaItem({ deliveryId: 'd-1' })]);
    const sent: SmsSendRequest[] = [];
    const store = memoryStore({
      status: 'OPEN',
      failures: 0,
      openedAt: '2026-03-02T10:15:50.000Z',
      version: 3,
    });
    const sinch: SinchClient = { sendSms: () => Promise.reject(new Error('must not be called')) };

    // Act
    const result = await sendSmsTask(
      { deliveryId: 'd-1', attempt: 1, taskToken: 't', provider: null },
      {
        ...deps(table, sinch),
        providers: {
          sinch: sinchProvider(sinch, CREDENTIALS, undefined),
          'aws-sms': recordingProvider('aws-sms', sent),
        },
        failover: {
          secondary: 'aws-sms',
          breaker: createPrimaryBreaker({ store, settings: SETTINGS, now: () => NOW }),
        },
      },
    );

    // Assess
    expect(result.provider).toBe('aws-sms');
    expect(store.state.status).toBe('OPEN');
  });

  it('counts the primary’s send failures and opens the breaker at the threshold', async () => {
    // Prepare
    const table = inMemoryDeliveries([aMetaItem({ deliveryId: 'd-1' }), aMetaItem({ deliveryId: 'd-2' })]);
    const store = memoryStore();
    const transitions: string[] = [];
    const sinch: SinchClient = { sendSms: () => Promise.reject(new SinchUnavailableError('503', 503)) };
    const taskDeps: SendSmsTaskDeps = {
      ...deps(table, sinch),
      failover: {
        secondary: 'aws-sms',
        breaker: createPrimaryBreaker({ store, settings: SETTINGS, now: () => NOW }),
      },
      onBreakerTransition: (step) => step.transition && transitions.push(step.transition),
    };

    // Act
    for (const deliveryId of ['d-1', 'd-2']) {
      await expect(sendSmsTask({ deliveryId, attempt: 1, taskToken: 't' }, taskDeps)).rejects.toBeInstanceOf(
        SinchUnavailableError,
      );
    }

    // Assess
    expect(store.state).toMatchObject({ status: 'OPEN', openedAt: NOW.toISOString() });
    expect(transitions).toEqual(['OPENED']);
  });

  it('does not ask the breaker again when Step Functions retries a first attempt', async () => {
    // Prepare: the first try went to the secondary while the breaker was open, and failed to hand over
    const table = inMemoryDeliveries([aMetaItem({ deliveryId: 'd-1' })]);
    const store = memoryStore({
      status: 'OPEN',
      failures: 0,
      openedAt: '2026-03-02T10:15:50.000Z',
      version: 3,
    });
    const sent: SmsSendRequest[] = [];
    let failures = 1;
    const secondary: SmsProvider = {
      id: 'aws-sms',
      send: async (request) => {
        sent.push(request);
        if (failures-- > 0) throw new AwsSmsUnavailableError('throttled', 'ThrottlingException');
        return { messageId: 'aws-msg' };
      },
    };
    const sinch: SinchClient = { sendSms: () => Promise.reject(new Error('must not be called')) };
    const later = new Date(NOW.getTime() + 60_000);
    const taskDeps = (now: Date): SendSmsTaskDeps => ({
      ...deps(table, sinch),
      now: () => now,
      providers: { sinch: sinchProvider(sinch, CREDENTIALS, undefined), 'aws-sms': secondary },
      failover: {
        secondary: 'aws-sms',
        breaker: createPrimaryBreaker({ store, settings: SETTINGS, now: () => now }),
      },
    });
    await expect(
      sendSmsTask({ deliveryId: 'd-1', attempt: 1, taskToken: 't1' }, taskDeps(NOW)),
    ).rejects.toBeInstanceOf(AwsSmsUnavailableError);

    // Act: the retry comes after the open period, when a new delivery would be the probe
    const result = await sendSmsTask({ deliveryId: 'd-1', attempt: 1, taskToken: 't2' }, taskDeps(later));

    // Assess: still the secondary, and the breaker still waits for a real probe
    expect(result.provider).toBe('aws-sms');
    expect(store.state).toMatchObject({ status: 'OPEN', version: 3 });
  });

  it('sends through the primary when the breaker cannot be read', async () => {
    // Prepare
    const table = inMemoryDeliveries([aMetaItem({ deliveryId: 'd-1' })]);
    const sinch: SinchClient = { sendSms: async () => ({ messageId: 'msg-1' }) };
    const broken: BreakerStore = {
      read: () => Promise.reject(new Error('throttled')),
      write: async () => true,
    };

    // Act
    const result = await sendSmsTask(
      { deliveryId: 'd-1', attempt: 1, taskToken: 't' },
      {
        ...deps(table, sinch),
        failover: {
          secondary: 'aws-sms',
          breaker: createPrimaryBreaker({ store: broken, settings: SETTINGS, now: () => NOW }),
        },
      },
    );

    // Assess
    expect(result).toMatchObject({ provider: 'sinch', messageId: 'msg-1' });
  });
});
