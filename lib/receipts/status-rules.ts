import type { SmsStatus } from '../table/delivery-model';

/**
 * What a Sinch delivery report means for one SMS attempt, as pure functions.
 *
 * The attempt's status is a join over the receipts seen so far: every receipt can only move it up a
 * fixed total order, so the stored status is the same whatever order duplicates and late reports
 * arrive in. DESIGN.md fixes `SENT < QUEUED_ON_CHANNEL < DELIVERED < READ` and makes `FAILED` terminal;
 * placing `FAILED` at the top of the order is what lets "terminal" and "forward only" hold together
 * for every arrival order. A `DELIVERED` that follows a `FAILED` is still kept in the attempt's
 * receipts (and flags the delivery `lateSmsDelivered`); it just does not rewrite the status.
 */

/** Statuses Sinch reports in `message_delivery_report.status` (docs/sinch.md#delivery-statuses). */
export const RECEIPT_STATUSES = [
  'QUEUED_ON_CHANNEL',
  'DELIVERED',
  'READ',
  'FAILED',
  'SWITCHING_CHANNEL',
] as const;
export type ReceiptStatus = (typeof RECEIPT_STATUSES)[number];

/** Which Step Functions callback a final receipt calls for. */
export type CallbackKind = 'success' | 'failure';

/** What one receipt asks of the attempt it belongs to. */
export interface ReceiptMeaning {
  /** The status the attempt moves to if it is not already there or beyond; absent = record only. */
  readonly status?: SmsStatus;
  /** Present when the receipt is final and must wake the workflow waiting on the attempt. */
  readonly callback?: CallbackKind;
}

const STATUS_RANK: Readonly<Record<SmsStatus, number>> = {
  SENT: 0,
  QUEUED_ON_CHANNEL: 1,
  DELIVERED: 2,
  READ: 3,
  FAILED: 4,
};

const MEANINGS: Readonly<Record<ReceiptStatus, ReceiptMeaning>> = {
  QUEUED_ON_CHANNEL: { status: 'QUEUED_ON_CHANNEL' },
  DELIVERED: { status: 'DELIVERED', callback: 'success' },
  // Some channels skip DELIVERED and report READ directly; READ implies delivery.
  READ: { status: 'READ', callback: 'success' },
  FAILED: { status: 'FAILED', callback: 'failure' },
  // Conversation API is falling back to another channel of the same message: nothing final happened,
  // and our apps send on SMS only, so the receipt is kept for support but changes nothing.
  SWITCHING_CHANNEL: {},
};

/** Whether `value` is one of the statuses Sinch documents. */
export function isReceiptStatus(value: string): value is ReceiptStatus {
  return (RECEIPT_STATUSES as readonly string[]).includes(value);
}

/**
 * What a receipt with this status means for its attempt.
 *
 * @example
 * meaningOf('FAILED'); // { status: 'FAILED', callback: 'failure' }
 * meaningOf('SWITCHING_CHANNEL'); // {}
 */
export function meaningOf(status: ReceiptStatus): ReceiptMeaning {
  return MEANINGS[status];
}

/** Whether moving an attempt from `current` to `next` goes forward in the status order. */
export function movesForward(current: SmsStatus, next: SmsStatus): boolean {
  return STATUS_RANK[next] > STATUS_RANK[current];
}

/**
 * The statuses an attempt may currently have for `next` to be a forward move. The recorder turns this
 * into the condition of its DynamoDB update, so the check and the write are one atomic step.
 */
export function statusesBefore(next: SmsStatus): SmsStatus[] {
  return (Object.keys(STATUS_RANK) as SmsStatus[]).filter((status) => movesForward(status, next));
}

/** The later of two statuses in the order; what an attempt ends in after seeing both. */
export function laterStatus(a: SmsStatus, b: SmsStatus): SmsStatus {
  return movesForward(a, b) ? b : a;
}
