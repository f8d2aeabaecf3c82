import type { ReportReason, ReportStatus } from './sinch-scenarios';

/** What the simulator knows about an accepted message when it reports on it. */
export interface AcceptedMessage {
  readonly projectId: string;
  readonly appId: string;
  readonly messageId: string;
  /** E.164 as the send request gave it. */
  readonly recipient: string;
  readonly acceptedTime: string;
  /** `message_metadata` of the send request, echoed in the report. */
  readonly metadata?: string;
  readonly correlationId?: string;
}

/**
 * `event_time` with nanosecond precision, as channels report it (docs/sinch.md#envelope): the processor must keep
 * the original string for its dedupe key rather than round-tripping it through `Date`.
 */
export function eventTime(at: Date, nanos: number): string {
  const iso = at.toISOString();
  const extra = String(Math.max(0, Math.min(999_999, Math.floor(nanos)))).padStart(6, '0');
  return `${iso.slice(0, -1)}${extra}Z`;
}

/**
 * The body of one `MESSAGE_DELIVERY` callback, shaped like docs/sinch.md#delivery-report: the identity without its `+`,
 * the send's metadata echoed, `reason` only on FAILED, empty strings where Sinch sends empty strings.
 * Returned as the exact string that is signed and POSTed.
 */
export function buildDeliveryReport(
  message: AcceptedMessage,
  report: { status: ReportStatus; reason?: ReportReason; eventTime: string },
): string {
  const body = {
    app_id: message.appId,
    accepted_time: message.acceptedTime,
    event_time: report.eventTime,
    project_id: message.projectId,
    message_delivery_report: {
      message_id: message.messageId,
      conversation_id: '',
      status: report.status,
      channel_identity: { channel: 'SMS', identity: message.recipient.replace(/^\+/, ''), app_id: '' },
      contact_id: '',
      ...(report.reason
        ? {
            reason: {
              code: report.reason.code,
              description: report.reason.description,
              sub_code: report.reason.subCode,
            },
          }
        : {}),
      metadata: message.metadata ?? '',
      processing_mode: 'DISPATCH',
    },
    message_metadata: '',
    ...(message.correlationId ? { correlation_id: message.correlationId } : {}),
  };
  return JSON.stringify(body);
}
