import { parseMessageMetadata } from '../lib/table/delivery-model';
import { maskPhone } from '../lib/shared/pii';
import { decodeEnvelope, RECEIPT_ATTRIBUTES } from '../lib/receipts/receipt-envelope';
import { redactNumbers } from './redact';

/**
 * What `dlq list` shows about one parked receipt. The raw webhook body holds the recipient's number
 * (`channel_identity.identity`), so it is never printed: only the fields support needs, with the number
 * masked.
 */
export interface ParkedMessage {
  readonly sqsMessageId: string;
  readonly body: string;
  /** SQS message attributes (string values). */
  readonly attributes: Readonly<Record<string, string>>;
  /** SQS `SentTimestamp`: when the message entered the DLQ, or its first queue for an SQS redrive. */
  readonly sentAt?: string;
  readonly receiveCount?: number;
}

export interface ParkedReceipt {
  readonly sqsMessageId: string;
  readonly parkedAt: string | null;
  /** `ingress`, `processor`, or `sqs` when the queue's redrive policy moved it after repeated failures. */
  readonly parkedBy: string;
  readonly reason: string;
  /** When the ingress accepted the webhook. */
  readonly receivedAt: string | null;
  readonly eventType: string | null;
  readonly sinchMessageId: string | null;
  readonly status: string | null;
  readonly reasonCode: string | null;
  readonly deliveryId: string | null;
  readonly attempt: number | null;
  readonly recipient: string | null;
}

/** Reason shown for a message that SQS itself moved to the DLQ (no `parkedReason` attribute). */
export const SQS_REDRIVE_REASON = 'processing failed repeatedly, so SQS moved it here (maxReceiveCount)';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(value: unknown, key: string): string | null {
  if (!isRecord(value)) return null;
  const field = value[key];
  return typeof field === 'string' && field.length > 0 ? field : null;
}

// Sinch sends exactly one event key per callback; these are the ones a delivery webhook may carry.
const EVENT_KEYS = [
  'message_delivery_report',
  'message_submit_notification',
  'event_delivery_report',
  'message',
  'event',
] as const;

function parseWebhook(rawBody: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(rawBody);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function maskIdentity(identity: string | null): string | null {
  if (identity === null) return null;
  const digits = identity.replace(/[^\d]/g, '');
  return maskPhone(`+${digits}`);
}

/** Summarises one DLQ message for people and scripts, without its raw body. */
export function summariseParkedMessage(message: ParkedMessage): ParkedReceipt {
  const parkedReason = message.attributes[RECEIPT_ATTRIBUTES.parkedReason];
  const parkedBy = message.attributes[RECEIPT_ATTRIBUTES.parkedBy];
  const envelope = decodeEnvelope(message.body);
  const webhook = envelope ? parseWebhook(envelope.rawBody) : undefined;
  const eventKey = webhook ? EVENT_KEYS.find((key) => isRecord(webhook[key])) : undefined;
  const event = eventKey && webhook ? webhook[eventKey] : undefined;
  const metadata = parseMessageMetadata(stringField(event, 'metadata') ?? undefined);
  const reason = isRecord(event) ? event.reason : undefined;
  const identity = isRecord(event) ? stringField(event.channel_identity, 'identity') : null;

  return {
    sqsMessageId: message.sqsMessageId,
    parkedAt: message.sentAt ?? null,
    parkedBy: parkedBy ?? (parkedReason ? 'unknown' : 'sqs'),
    reason: parkedReason
      ? redactNumbers(parkedReason)
      : envelope
        ? SQS_REDRIVE_REASON
        : 'not a receipt envelope',
    receivedAt: envelope?.receivedAt ?? null,
    eventType: eventKey ?? message.attributes[RECEIPT_ATTRIBUTES.eventType] ?? null,
    sinchMessageId:
      stringField(event, 'message_id') ?? message.attributes[RECEIPT_ATTRIBUTES.messageId] ?? null,
    status: stringField(event, 'status') ?? message.attributes[RECEIPT_ATTRIBUTES.status] ?? null,
    reasonCode: stringField(reason, 'code'),
    deliveryId: metadata?.deliveryId ?? null,
    attempt: metadata?.attempt ?? null,
    recipient: maskIdentity(identity),
  };
}

/** Counts parked receipts by reason, most frequent first, for the summary before a redrive. */
export function countByReason(receipts: readonly ParkedReceipt[]): { reason: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const r of receipts) counts.set(r.reason, (counts.get(r.reason) ?? 0) + 1);
  return [...counts.entries()]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}
