import type { FailureClass } from '../shared/errors';
import type { SmsProviderId } from '../shared/sms-providers';

/**
 * The shapes shared by every part that reads or writes the deliveries table or talks to the workflow.
 * Keys follow DESIGN.md: one partition per delivery, `META` for the request and outcome, `A#<nnn>` per attempt.
 */

/** Exactly one per delivery. */
export const OUTCOMES = [
  'DELIVERED',
  'DELIVERED_AFTER_RESEND',
  'EMAIL_SENT',
  'UNDELIVERABLE',
  'EXPIRED',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Status of an SMS attempt. `SENT` is ours (Sinch accepted the request); the others come from receipts. */
export const SMS_STATUSES = ['SENT', 'QUEUED_ON_CHANNEL', 'DELIVERED', 'READ', 'FAILED'] as const;
export type SmsStatus = (typeof SMS_STATUSES)[number];

export type Channel = 'SMS' | 'EMAIL';

/** Resend policy carried in the execution input (no PII). */
export interface DeliveryPolicy {
  readonly maxSmsAttempts: number;
  readonly receiptTimeoutSeconds: number;
  readonly resendBackoffSeconds: readonly number[];
}

export const DEFAULT_POLICY: DeliveryPolicy = {
  maxSmsAttempts: 3,
  receiptTimeoutSeconds: 60,
  resendBackoffSeconds: [10, 30],
};

/** The execution input: never a phone number, email address or message text. */
export interface ExecutionInput {
  readonly deliveryId: string;
  readonly expiresAt: string;
  readonly policy: DeliveryPolicy;
}

export const DELIVERY_ID_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;

export function deliveryPk(deliveryId: string): string {
  return `D#${deliveryId}`;
}

export const META_SK = 'META';

/** Attempt sort keys are zero-padded so a Query returns attempts in order. */
export function attemptSk(attempt: number): string {
  return `A#${String(attempt).padStart(3, '0')}`;
}

export function parseAttemptSk(sk: string): number | undefined {
  const match = /^A#(\d{3})$/.exec(sk);
  return match ? Number(match[1]) : undefined;
}

/** The `META` item. `to`, `email` and `text` are read only by the task Lambdas that send. */
export interface DeliveryMetaItem {
  readonly PK: string;
  readonly SK: typeof META_SK;
  readonly deliveryId: string;
  readonly to: string;
  readonly text: string;
  readonly email?: { readonly to: string; readonly subject: string; readonly text: string };
  readonly policy: DeliveryPolicy;
  /** Fingerprint of the request, so an idempotent repeat can be told from a conflicting reuse of the id. */
  readonly requestHash: string;
  readonly executionArn?: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly toMasked: string;
  /** Keyed hash of the E.164 number for the `byRecipient` index; the number itself is never indexed. */
  readonly toHash: string;
  readonly emailMasked?: string;
  readonly outcome?: Outcome;
  readonly outcomeAt?: string;
  readonly attempts?: number;
  readonly lateSmsDelivered?: boolean;
  /** Epoch seconds; DynamoDB TTL removes the item after the retention period. */
  readonly ttl: number;
}

/** One receipt as recorded on an attempt; appended once per dedupe key. */
export interface ReceiptEntry {
  /** `messageId#status#event_time`. */
  readonly key: string;
  readonly status: string;
  readonly eventTime?: string;
  readonly receivedAt: string;
  readonly reasonCode?: string;
  readonly subCode?: string;
  readonly description?: string;
  readonly failureClass?: FailureClass;
  /** True when the workflow had already moved on (token closed) when the receipt arrived. */
  readonly late?: boolean;
}

/** The `A#<nnn>` item of one attempt. */
export interface AttemptItem {
  readonly PK: string;
  readonly SK: string;
  readonly deliveryId: string;
  readonly attempt: number;
  readonly channel: Channel;
  /** Who sent an SMS attempt; absent on items written before there was a choice (Sinch's). */
  readonly provider?: SmsProviderId;
  readonly taskToken?: string;
  /** The provider's message id, once it took the message. Indexed by `byMessage`. */
  readonly messageId?: string;
  /**
   * When a send went out and no answer came back, so the provider may have the message: the attempt then
   * waits for a report and is never sent again.
   */
  readonly unconfirmedAt?: string;
  readonly sentAt: string;
  readonly status: SmsStatus | 'EMAIL_SENT';
  readonly statusAt?: string;
  readonly reason?: string;
  readonly class?: FailureClass;
  readonly receipts?: readonly ReceiptEntry[];
  /** Set once the workflow was woken for this attempt, so a duplicate receipt never calls back twice. */
  readonly callbackAt?: string;
  readonly ttl: number;
}

/** `message_metadata` sent to Sinch and returned in `message_delivery_report.metadata`. */
export function formatMessageMetadata(deliveryId: string, attempt: number): string {
  return `${deliveryId}#${attempt}`;
}

export function parseMessageMetadata(
  metadata: string | undefined,
): { deliveryId: string; attempt: number } | undefined {
  if (!metadata) return undefined;
  const match = /^([A-Za-z0-9_-]{1,80})#(\d{1,3})$/.exec(metadata);
  if (!match) return undefined;
  return { deliveryId: match[1]!, attempt: Number(match[2]) };
}

/** Output of the `SendSms` task when the processor calls `SendTaskSuccess`. */
export interface SmsDeliveredResult {
  readonly status: 'DELIVERED' | 'READ';
  readonly messageId: string;
  readonly attempt: number;
  readonly statusAt: string;
}

/** JSON `cause` of `SendTaskFailure(error = Sms.<Class>)`. */
export interface SmsFailureCause {
  readonly reasonCode: string;
  readonly subCode?: string;
  readonly description?: string;
  readonly messageId: string;
  readonly attempt: number;
}
