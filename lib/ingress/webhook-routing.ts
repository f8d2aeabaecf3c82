/**
 * Decides what the ingress does with a verified Sinch webhook, from the body alone. Sinch callbacks carry
 * no `trigger` field: the event type is the one top-level key that names an event (docs/sinch.md#event-keys), next to
 * common fields such as `app_id` and `event_time`.
 */

/** Every top-level event key of a Conversation API callback (docs/sinch.md#event-keys), one per webhook trigger. */
export const SINCH_EVENT_KEYS = [
  'message_delivery_report',
  'message_submit_notification',
  'message',
  'message_redaction',
  'event',
  'event_delivery_report',
  'conversation_start_notification',
  'conversation_stop_notification',
  'conversation_delete_notification',
  'contact_create_notification',
  'contact_delete_notification',
  'contact_update_notification',
  'contact_merge_notification',
  'duplicated_contact_identities_notification',
  'capability_notification',
  'opt_in_notification',
  'opt_out_notification',
  'channel_event_notification',
  'smart_conversation_notification',
  'record_notification',
  'unsupported_callback',
] as const;
export type SinchEventKey = (typeof SINCH_EVENT_KEYS)[number];

/** The event this project consumes; every other known event is acknowledged and dropped. */
export const DELIVERY_REPORT_EVENT = 'message_delivery_report' satisfies SinchEventKey;

/** Why a signed body cannot be used. Becomes the `parkedReason` attribute of the DLQ message. */
export type UnusableReason =
  | 'empty_body'
  | 'not_json'
  | 'not_an_object'
  | 'no_event_key'
  | 'several_event_keys'
  | 'malformed_delivery_report';

/** What to do with a verified webhook. */
export type WebhookRoute =
  | {
      readonly action: 'enqueue';
      readonly eventType: typeof DELIVERY_REPORT_EVENT;
      /** Sinch's `message_id`, when present; copied to a message attribute for tracing. */
      readonly messageId: string | undefined;
      readonly status: string | undefined;
    }
  | { readonly action: 'ignore'; readonly eventType: SinchEventKey }
  | { readonly action: 'park'; readonly reason: UnusableReason };

const EVENT_KEYS: ReadonlySet<string> = new Set(SINCH_EVENT_KEYS);
// Attribute values are for tracing, not for correlation (the processor reads the body). A ULID is 26
// characters and a status a single word; anything far longer is not worth copying.
const MAX_ATTRIBUTE_LENGTH = 128;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// SQS refuses attribute values with characters outside its allowed set (control characters among them),
// which would fail the whole SendMessage: only plain printable ASCII is copied, as ids and statuses are.
const TRACEABLE = /^[\x20-\x7e]+$/;

function traceValue(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= MAX_ATTRIBUTE_LENGTH && TRACEABLE.test(value)
    ? value
    : undefined;
}

/**
 * Routes a verified webhook body: a delivery report is enqueued, another known event is ignored, and
 * anything else is parked with a reason, so a signed body is never lost and never retried forever.
 * Only the shape needed to route is checked here; the processor validates the report itself.
 *
 * @example
 * routeWebhook('{"app_id":"01H…","message_delivery_report":{"message_id":"01H…","status":"DELIVERED"}}');
 * // { action: 'enqueue', eventType: 'message_delivery_report', messageId: '01H…', status: 'DELIVERED' }
 */
export function routeWebhook(rawBody: string): WebhookRoute {
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody);
  } catch {
    // Only a body that failed to parse can be blank: the common path copies nothing to find out.
    return { action: 'park', reason: rawBody.trim() === '' ? 'empty_body' : 'not_json' };
  }
  if (!isObject(payload)) return { action: 'park', reason: 'not_an_object' };

  let eventType: SinchEventKey | undefined;
  for (const key in payload) {
    if (!Object.hasOwn(payload, key) || !EVENT_KEYS.has(key)) continue;
    if (eventType !== undefined) return { action: 'park', reason: 'several_event_keys' };
    eventType = key as SinchEventKey;
  }
  if (eventType === undefined) return { action: 'park', reason: 'no_event_key' };
  if (eventType !== DELIVERY_REPORT_EVENT) return { action: 'ignore', eventType };

  const report = payload[eventType];
  if (!isObject(report)) return { action: 'park', reason: 'malformed_delivery_report' };
  return {
    action: 'enqueue',
    eventType,
    messageId: traceValue(report.message_id),
    status: traceValue(report.status),
  };
}
