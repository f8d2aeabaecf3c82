import { providerOf, type SmsProviderId } from '../shared/sms-providers';
import { classifyAwsSmsEvent } from './aws-sms-events';
import { classifyReason, type Classification, type ReasonInput } from './reason-classifier';
import type { DeliveryReceipt } from './receipt-payload';

/**
 * The receipt half of each SMS provider: how its failure reasons become our failure classes. The parsing
 * half is per source (`receipt-payload.ts` for Sinch's signed webhooks, `aws-sms-events.ts` for the
 * secondary's EventBridge events); from a {@link DeliveryReceipt} on, every provider takes one path.
 */

const CLASSIFIERS: Readonly<Record<SmsProviderId, (reason: ReasonInput | undefined) => Classification>> = {
  sinch: classifyReason,
  'aws-sms': classifyAwsSmsEvent,
};

/** Classifies a receipt's reason by its provider's table. */
export function classifyReceipt(receipt: Pick<DeliveryReceipt, 'provider' | 'reason'>): Classification {
  return CLASSIFIERS[receipt.provider](receipt.reason);
}

/**
 * Whether a receipt may act on the attempt it correlated to. Only the provider that sent the attempt
 * reports on it, and the secondary's events must also name the message id its send returned: an event
 * that merely carries our reference (`Context` is free text to anyone who can send through the account)
 * proves nothing. A receipt that fails this is treated as matching no attempt: retried a few times (the
 * message id may not be stored yet), then counted and set aside as an orphan, never trusted.
 */
export function receiptBelongsTo(
  receipt: Pick<DeliveryReceipt, 'provider' | 'messageId'>,
  attempt: { readonly provider?: unknown; readonly messageId?: string },
): boolean {
  if (providerOf(attempt) !== receipt.provider) return false;
  if (receipt.provider === 'sinch') return true;
  return attempt.messageId === receipt.messageId;
}
