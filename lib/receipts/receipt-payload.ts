import * as v from 'valibot';
import { UnusableReceiptError } from '../shared/errors';
import type { SmsProviderId } from '../shared/sms-providers';
import { isReceiptStatus, type ReceiptStatus } from './status-rules';

/**
 * Defensive parsing of a Conversation API `MESSAGE_DELIVERY` callback (docs/sinch.md#envelope, docs/sinch.md#delivery-report).
 *
 * Sinch documents most fields as optional, shows empty strings where a value does not apply, and
 * models its enums as open, so the parser is lenient wherever a field is only informative and strict
 * only where the processor cannot work without it: the message id and the status. The recipient's
 * `channel_identity.identity` is deliberately not read at all: correlation runs on our own metadata
 * and the Sinch message id, so the phone number never enters the processor's memory, logs or table.
 */

/** The parts of a delivery report the processor acts on. */
export interface DeliveryReceipt {
  /** Whose report it is: a Sinch webhook, or an event of the secondary (`aws-sms-events.ts`). */
  readonly provider: SmsProviderId;
  /** The provider's message id, as its send call returned it. */
  readonly messageId: string;
  readonly status: ReceiptStatus;
  /**
   * `event_time` exactly as Sinch sent it. It may carry nanoseconds, which `Date.parse` would drop,
   * so the original string is what makes two reports distinguishable in the dedupe key.
   */
  readonly eventTime?: string;
  /** `message_delivery_report.metadata`: our `<deliveryId>#<attempt>`, if Sinch echoed it back. */
  readonly metadata?: string;
  readonly channel?: string;
  readonly reason?: ReceiptReason;
  /** `messageId#status#event_time`: one receipt entry per key on the attempt. */
  readonly dedupeKey: string;
}

export interface ReceiptReason {
  readonly code?: string;
  readonly subCode?: string;
  /** Free text from the channel, length-capped and with digit runs redacted (see {@link safeDescription}). */
  readonly description?: string;
}

/** Why a body could not be used; becomes `parkedReason` on the DLQ message. */
export type UnusableReceiptReason =
  | 'not_json'
  | 'not_an_object'
  | 'not_a_delivery_report'
  | 'malformed_delivery_report'
  | 'missing_message_id'
  | 'missing_status'
  | 'unknown_status';

const DESCRIPTION_MAX_LENGTH = 256;
// Seven or more digits, optionally with a leading + and inner spaces or dashes: the shape of a phone
// number. Channel descriptions are free text and could quote the recipient, and they end up in the
// table and in the workflow's history (the SendTaskFailure cause).
const DIGIT_RUN = /\+?\d(?:[\s-]?\d){6,}/g;

/** Optional text: a missing, null, non-string, empty or blank value all mean "not given". */
const text = v.fallback(
  v.pipe(
    v.nullish(v.string()),
    v.transform((value) =>
      value === null || value === undefined || value.trim() === '' ? undefined : value,
    ),
  ),
  undefined,
);

const reasonSchema = v.fallback(
  v.nullish(v.looseObject({ code: text, sub_code: text, description: text })),
  undefined,
);

const channelIdentitySchema = v.fallback(v.nullish(v.looseObject({ channel: text })), undefined);

const deliveryReportSchema = v.looseObject({
  message_id: text,
  status: text,
  metadata: text,
  channel_identity: channelIdentitySchema,
  reason: reasonSchema,
});

const callbackSchema = v.looseObject({
  event_time: text,
  message_delivery_report: deliveryReportSchema,
});

/** The dedupe key of a receipt: the same report delivered twice has the same key. */
export function receiptDedupeKey(messageId: string, status: string, eventTime: string | undefined): string {
  return `${messageId}#${status}#${eventTime ?? ''}`;
}

/** Caps a channel's free-text description and redacts anything shaped like a phone number. */
export function safeDescription(description: string | undefined): string | undefined {
  if (description === undefined) return undefined;
  const redacted = description.replace(DIGIT_RUN, '[redacted]');
  return redacted.length > DESCRIPTION_MAX_LENGTH
    ? `${redacted.slice(0, DESCRIPTION_MAX_LENGTH - 1)}…`
    : redacted;
}

function unusable(reason: UnusableReceiptReason, cause?: unknown): never {
  throw new UnusableReceiptError(reason, cause === undefined ? undefined : { cause });
}

function parseJson(rawBody: string): unknown {
  try {
    return JSON.parse(rawBody);
  } catch (error) {
    return unusable('not_json', error);
  }
}

/**
 * Parses the verified raw body of a Sinch callback into a {@link DeliveryReceipt}.
 *
 * @throws {UnusableReceiptError} with a {@link UnusableReceiptReason} when the body is not a delivery
 *   report the processor can act on; such a message is parked, never retried.
 *
 * @example
 * const receipt = parseDeliveryReceipt(envelope.rawBody);
 * receipt.dedupeKey; // '01HZX4R2K8M3P6Q9S1T4V7W0YZ#DELIVERED#2026-03-02T10:15:34.587Z'
 */
export function parseDeliveryReceipt(rawBody: string): DeliveryReceipt {
  const json = parseJson(rawBody);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return unusable('not_an_object');
  if (!('message_delivery_report' in json)) return unusable('not_a_delivery_report');

  const parsed = v.safeParse(callbackSchema, json);
  if (!parsed.success) return unusable('malformed_delivery_report');
  const { event_time: eventTime, message_delivery_report: report } = parsed.output;

  const messageId = report.message_id?.trim();
  if (!messageId) return unusable('missing_message_id');
  if (report.status === undefined) return unusable('missing_status');
  if (!isReceiptStatus(report.status)) return unusable('unknown_status');

  const reason = report.reason
    ? {
        ...(report.reason.code !== undefined && { code: report.reason.code }),
        ...(report.reason.sub_code !== undefined && { subCode: report.reason.sub_code }),
        ...(report.reason.description !== undefined && {
          description: safeDescription(report.reason.description),
        }),
      }
    : undefined;

  return {
    provider: 'sinch',
    messageId,
    status: report.status,
    ...(eventTime !== undefined && { eventTime }),
    ...(report.metadata !== undefined && { metadata: report.metadata }),
    ...(report.channel_identity?.channel !== undefined && { channel: report.channel_identity.channel }),
    ...(reason !== undefined && Object.keys(reason).length > 0 && { reason }),
    dedupeKey: receiptDedupeKey(messageId, report.status, eventTime),
  };
}
