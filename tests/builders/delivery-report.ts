/**
 * Builds Sinch `MESSAGE_DELIVERY` callback bodies shaped like docs/sinch.md#delivery-report (identity without `+`, empty
 * strings where Sinch sends them), with every field overridable for the case under test.
 */
export interface DeliveryReportOptions {
  readonly messageId?: string;
  readonly status?: string;
  /** `null` leaves `event_time` out of the body. */
  readonly eventTime?: string | null;
  readonly metadata?: string;
  readonly reason?: { readonly code?: string; readonly sub_code?: string; readonly description?: string };
  readonly identity?: string;
}

export const DEFAULT_MESSAGE_ID = '01HZX4R2K8M3P6Q9S1T4V7W0YZ';
export const DEFAULT_EVENT_TIME = '2026-03-02T10:15:34.587Z';

/** The callback as an object, for tests that want to bend its shape further. */
export function aDeliveryReport(options: DeliveryReportOptions = {}): Record<string, unknown> {
  const eventTime = options.eventTime === undefined ? DEFAULT_EVENT_TIME : options.eventTime;
  return {
    app_id: '01HZX4Q6W3N5T8B2C7D9E1F0GH',
    accepted_time: '2026-03-02T10:15:30.120Z',
    ...(eventTime === null ? {} : { event_time: eventTime }),
    project_id: '2f6b1c1e-4a7d-4f3e-9a61-0c2b5d8e7f10',
    message_delivery_report: {
      message_id: options.messageId ?? DEFAULT_MESSAGE_ID,
      conversation_id: '',
      status: options.status ?? 'DELIVERED',
      channel_identity: { channel: 'SMS', identity: options.identity ?? '46701234567', app_id: '' },
      contact_id: '',
      ...(options.reason ? { reason: options.reason } : {}),
      metadata: options.metadata ?? '',
      processing_mode: 'DISPATCH',
    },
    message_metadata: '',
  };
}

/** The callback as the exact string Sinch would sign and send. */
export function deliveryReportBody(options: DeliveryReportOptions = {}): string {
  return JSON.stringify(aDeliveryReport(options));
}
