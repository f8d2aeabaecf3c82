import type { ReceiptEntry } from '../../lib/table/delivery-model';
import type { AttemptRecord, DeliveryRecord } from '../../cli/records';
import type { WorkflowEvent } from '../../cli/timeline';

/**
 * What support tooling reads about one delivery (the table's safe fields and the workflow history), built
 * from a start instant and offsets in seconds, so a test reads like the story it tells.
 */

export const T0 = '2026-03-02T10:15:30.000Z';

/** `T0` plus `seconds`, as ISO-8601. */
export function at(seconds: number, start = T0): string {
  return new Date(Date.parse(start) + seconds * 1000).toISOString();
}

export function aDeliveryRecord(overrides: Partial<DeliveryRecord> = {}): DeliveryRecord {
  return {
    deliveryId: 'd-otp-1',
    createdAt: T0,
    expiresAt: at(600),
    toMasked: '+46*****4567',
    emailMasked: 'a****@example.com',
    policy: { maxSmsAttempts: 3, receiptTimeoutSeconds: 60, resendBackoffSeconds: [10, 30] },
    executionArn: 'arn:aws:states:us-east-1:123456789012:execution:receipt-driven-sms-test-delivery:d-otp-1',
    ...overrides,
  };
}

export function aReceipt(
  status: string,
  seconds: number,
  overrides: Partial<ReceiptEntry> = {},
): ReceiptEntry {
  return {
    key: `msg#${status}#${at(seconds)}`,
    status,
    eventTime: at(seconds - 0.2),
    receivedAt: at(seconds),
    ...overrides,
  };
}

export function anSmsAttempt(
  attempt: number,
  sentAtSeconds: number,
  receipts: readonly ReceiptEntry[] = [],
  overrides: Partial<AttemptRecord> = {},
): AttemptRecord {
  const last = receipts.at(-1);
  return {
    attempt,
    channel: 'SMS',
    messageId: `01HZX4R2K8M3P6Q9S1T4V7W0Y${attempt}`,
    sentAt: at(sentAtSeconds),
    status: (last?.status as AttemptRecord['status'] | undefined) ?? 'SENT',
    receipts,
    ...overrides,
  };
}

export function anEmailAttempt(attempt: number, sentAtSeconds: number): AttemptRecord {
  return { attempt, channel: 'EMAIL', sentAt: at(sentAtSeconds), status: 'EMAIL_SENT' };
}

/** One step of a workflow history, before ids are assigned. */
export type HistoryStep = Omit<WorkflowEvent, 'id' | 'timestamp'> & { readonly t: number };

/** Numbers the steps in order, as Step Functions does; `t` is seconds from `start`. */
export function aHistory(steps: readonly HistoryStep[], start = T0): WorkflowEvent[] {
  return steps.map(({ t, ...event }, index) => ({
    id: index + 1,
    timestamp: new Date(at(t, start)),
    ...event,
  }));
}

export const step = {
  started: (
    t: number,
    input: object = {
      deliveryId: 'd-otp-1',
      expiresAt: at(600),
      policy: { maxSmsAttempts: 3, receiptTimeoutSeconds: 60, resendBackoffSeconds: [10, 30] },
    },
  ): HistoryStep => ({
    t,
    type: 'ExecutionStarted',
    executionStartedEventDetails: { input: JSON.stringify(input) },
  }),
  entered: (t: number, name: string, type = 'TaskStateEntered'): HistoryStep => ({
    t,
    type,
    stateEnteredEventDetails: { name, input: '{}' },
  }),
  succeeded: (t: number, output: object): HistoryStep => ({
    t,
    type: 'TaskSucceeded',
    taskSucceededEventDetails: { output: JSON.stringify(output) },
  }),
  failed: (t: number, error: string, cause?: string): HistoryStep => ({
    t,
    type: 'TaskFailed',
    taskFailedEventDetails: { error, ...(cause === undefined ? {} : { cause }) },
  }),
  timedOut: (t: number): HistoryStep => ({
    t,
    type: 'TaskTimedOut',
    taskTimedOutEventDetails: { error: 'States.Timeout' },
  }),
  executionSucceeded: (t: number): HistoryStep => ({ t, type: 'ExecutionSucceeded' }),
  executionFailed: (t: number, error: string, cause?: string): HistoryStep => ({
    t,
    type: 'ExecutionFailed',
    executionFailedEventDetails: { error, ...(cause === undefined ? {} : { cause }) },
  }),
};
