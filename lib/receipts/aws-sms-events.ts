import * as v from 'valibot';
import { UnusableReceiptError, type FailureClass } from '../shared/errors';
import { AWS_SMS_CONTEXT_KEYS } from '../shared/sms-providers';
import type { Classification, ReasonInput } from './reason-classifier';
import { receiptDedupeKey, safeDescription, type DeliveryReceipt } from './receipt-payload';
import type { ReceiptStatus } from './status-rules';

/**
 * The secondary provider's delivery events: AWS End User Messaging SMS publishes "Text Message Delivery
 * Status Updated" events (`source: aws.sms-voice`) to EventBridge, and each stage's rule puts its own on the
 * receipts queue, where the processor reads them as it reads Sinch's reports
 * (docs/decisions/0013-secondary-sms-events-on-eventbridge.md). This module turns one into a
 * {@link DeliveryReceipt} and classifies its event type: one table, one line of rationale per type, mirrored
 * in docs/reason-codes.md ("AWS End User Messaging SMS event types"; a test keeps them in sync).
 *
 * Event types and their meanings: https://docs.aws.amazon.com/sms-voice/latest/userguide/configuration-sets-event-types.html;
 * the event's shape: https://docs.aws.amazon.com/sms-voice/latest/userguide/monitor-event-bridge.html.
 * `destinationPhoneNumber` is in the event; it is never read.
 */

export const AWS_SMS_EVENT_SOURCE = 'aws.sms-voice';
export const AWS_SMS_EVENT_DETAIL_TYPE = 'Text Message Delivery Status Updated';

/** What one event type means for the attempt: a status we know, and for a failure its class and why. */
export interface AwsSmsEventPolicy {
  readonly status: Extract<ReceiptStatus, 'QUEUED_ON_CHANNEL' | 'DELIVERED' | 'FAILED'>;
  readonly failureClass?: FailureClass;
  readonly rationale: string;
}

/** Every SMS event type AWS documents, and one it sends that the event-type page does not list. */
export const AWS_SMS_EVENT_POLICY = {
  TEXT_DELIVERED: {
    status: 'DELIVERED',
    rationale: 'The handset received the message.',
  },
  TEXT_SUCCESSFUL: {
    status: 'DELIVERED',
    rationale:
      "The recipient's carrier accepted the message; AWS notes that, by country, it stands for TEXT_DELIVERED. Final only: a non-final one is recorded as queued.",
  },
  TEXT_QUEUED: {
    status: 'QUEUED_ON_CHANNEL',
    rationale: 'Queued for delivery, not delivered yet; recorded, wakes nothing.',
  },
  TEXT_PENDING: {
    status: 'QUEUED_ON_CHANNEL',
    rationale: 'On its way, neither delivered nor failed yet; recorded, wakes nothing.',
  },
  TEXT_SENT: {
    status: 'QUEUED_ON_CHANNEL',
    rationale:
      'Handed to the carrier (a type the SDK lists, not the event-type page); recorded, wakes nothing.',
  },
  TEXT_BLOCKED: {
    status: 'FAILED',
    failureClass: 'Policy',
    rationale:
      "The recipient's device or carrier blocks messages to this recipient; a resend is blocked too.",
  },
  TEXT_CARRIER_BLOCKED: {
    status: 'FAILED',
    failureClass: 'Policy',
    rationale: 'The carrier blocked the message (content or sender); the same SMS would be blocked again.',
  },
  TEXT_PROTECT_BLOCKED: {
    status: 'FAILED',
    failureClass: 'Policy',
    rationale: 'Our own SMS protect configuration blocked the destination; resending meets the same rule.',
  },
  TEXT_SPAM: {
    status: 'FAILED',
    failureClass: 'Policy',
    rationale: 'The carrier took the message for spam; resending the same text is refused too.',
  },
  TEXT_TTL_EXPIRED: {
    status: 'FAILED',
    failureClass: 'Transient',
    rationale:
      "Not delivered within the TimeToLive we set, the code's remaining validity; the workflow then finds the code expired.",
  },
  TEXT_CARRIER_UNREACHABLE: {
    status: 'FAILED',
    failureClass: 'Transient',
    rationale: "A transient error on the recipient's carrier network; a resend may get through.",
  },
  TEXT_UNREACHABLE: {
    status: 'FAILED',
    failureClass: 'Permanent',
    rationale:
      "The handset cannot be reached (off, or out of coverage); as for Sinch's RECIPIENT_NOT_REACHABLE, email beats a delayed resend.",
  },
  TEXT_INVALID: {
    status: 'FAILED',
    failureClass: 'Permanent',
    rationale: 'The destination number is invalid; no provider can deliver to it.',
  },
  TEXT_INVALID_MESSAGE: {
    status: 'FAILED',
    failureClass: 'Config',
    rationale: 'The message body is invalid for the destination; the same request fails again.',
  },
  TEXT_UNKNOWN: {
    status: 'FAILED',
    failureClass: 'Unknown',
    rationale:
      'AWS cannot say what happened; it also sends this when no final carrier event came within 72 hours.',
  },
} as const satisfies Record<string, AwsSmsEventPolicy>;

export type KnownAwsSmsEventType = keyof typeof AWS_SMS_EVENT_POLICY;

const UNLISTED_FINAL: AwsSmsEventPolicy = {
  status: 'FAILED',
  failureClass: 'Unknown',
  rationale: 'A final event type this table does not list; unlisted types are Unknown.',
};

function policyOf(eventType: string): AwsSmsEventPolicy | undefined {
  return Object.hasOwn(AWS_SMS_EVENT_POLICY, eventType)
    ? (AWS_SMS_EVENT_POLICY as Record<string, AwsSmsEventPolicy>)[eventType]
    : undefined;
}

/**
 * The class of a failed event, from its type (the receipt's `reason.code`).
 *
 * @example
 * classifyAwsSmsEvent({ code: 'TEXT_CARRIER_UNREACHABLE' }).failureClass; // 'Transient'
 * classifyAwsSmsEvent({ code: 'TEXT_SOMETHING_NEW' }).failureClass; // 'Unknown'
 */
export function classifyAwsSmsEvent(reason: ReasonInput | undefined): Classification {
  const policy = reason?.code === undefined ? undefined : policyOf(reason.code);
  if (policy?.failureClass !== undefined) {
    return { failureClass: policy.failureClass, decidedBy: 'reason_code', rationale: policy.rationale };
  }
  return { failureClass: 'Unknown', decidedBy: 'unlisted', rationale: UNLISTED_FINAL.rationale };
}

const text = v.fallback(v.optional(v.pipe(v.string(), v.trim(), v.minLength(1))), undefined);

const eventSchema = v.looseObject({
  source: v.literal(AWS_SMS_EVENT_SOURCE),
  'detail-type': v.string(),
  time: text,
  detail: v.looseObject({
    eventType: text,
    eventTimestamp: v.fallback(v.optional(v.number()), undefined),
    isFinal: v.fallback(v.optional(v.boolean()), undefined),
    messageId: text,
    messageStatusDescription: text,
    context: v.fallback(v.optional(v.record(v.string(), v.string())), undefined),
  }),
});

/** Whether a queue message body is an EventBridge event of the secondary provider (not a Sinch envelope). */
export function isAwsSmsEvent(json: unknown): boolean {
  return (
    typeof json === 'object' &&
    json !== null &&
    (json as Record<string, unknown>).source === AWS_SMS_EVENT_SOURCE
  );
}

/**
 * Parses an EventBridge event of AWS End User Messaging SMS into a receipt, correlated by the `Context`
 * key the send set to `<deliveryId>#<attempt>` ({@link AWS_SMS_CONTEXT_KEYS}).
 *
 * @throws {UnusableReceiptError} when it is not a text-message delivery event the processor can act on.
 *
 * @example
 * parseAwsSmsEvent(event);
 * // { provider: 'aws-sms', messageId: 'ed23…', status: 'DELIVERED', metadata: 'd-1#2', eventTime: '2025-10-01T18:20:41.377Z', … }
 */
export function parseAwsSmsEvent(json: unknown): DeliveryReceipt {
  const parsed = v.safeParse(eventSchema, json);
  if (!parsed.success) throw new UnusableReceiptError('malformed_delivery_report');
  const { detail } = parsed.output;
  if (parsed.output['detail-type'] !== AWS_SMS_EVENT_DETAIL_TYPE) {
    throw new UnusableReceiptError('not_a_delivery_report');
  }
  if (detail.messageId === undefined) throw new UnusableReceiptError('missing_message_id');
  if (detail.eventType === undefined) throw new UnusableReceiptError('missing_status');

  const known = policyOf(detail.eventType);
  // A non-final success is a carrier hand-off still waiting for the handset's receipt.
  const policy =
    known?.status === 'DELIVERED' && detail.isFinal === false
      ? AWS_SMS_EVENT_POLICY.TEXT_PENDING
      : (known ?? (detail.isFinal === true ? UNLISTED_FINAL : AWS_SMS_EVENT_POLICY.TEXT_PENDING));
  const eventTime =
    detail.eventTimestamp !== undefined && Number.isFinite(detail.eventTimestamp)
      ? new Date(detail.eventTimestamp).toISOString()
      : parsed.output.time;
  const metadata = detail.context?.[AWS_SMS_CONTEXT_KEYS.reference];
  const description = safeDescription(detail.messageStatusDescription);
  return {
    provider: 'aws-sms',
    messageId: detail.messageId,
    status: policy.status,
    ...(eventTime !== undefined && { eventTime }),
    ...(metadata !== undefined && { metadata }),
    channel: 'SMS',
    ...(policy.status === 'FAILED' && {
      reason: { code: detail.eventType, ...(description !== undefined && { description }) },
    }),
    // The event type, not our status: two AWS events that map to one status stay two receipts.
    dedupeKey: receiptDedupeKey(detail.messageId, detail.eventType, eventTime),
  };
}
