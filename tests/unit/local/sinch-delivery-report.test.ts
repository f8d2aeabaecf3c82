import { buildDeliveryReport, eventTime, type AcceptedMessage } from '../../../local/sinch-delivery-report';

const message: AcceptedMessage = {
  projectId: '2f6b1c1e-4a7d-4f3e-9a61-0c2b5d8e7f10',
  appId: '01HZX4Q6W3N5T8B2C7D9E1F0GH',
  messageId: '01HZX4R2K8M3P6Q9S1T4V7W0YZ',
  recipient: '+46701740610',
  acceptedTime: '2026-03-02T10:15:30.120Z',
  metadata: 'd-1#1',
};

describe('simulated delivery report', () => {
  it('is shaped like a Sinch delivery report: identity without +, metadata echoed, no reason unless FAILED', () => {
    // Act
    const body = JSON.parse(
      buildDeliveryReport(message, { status: 'DELIVERED', eventTime: '2026-03-02T10:15:32.000000001Z' }),
    ) as Record<string, unknown>;

    // Assess
    expect(body).toEqual({
      app_id: message.appId,
      accepted_time: message.acceptedTime,
      event_time: '2026-03-02T10:15:32.000000001Z',
      project_id: message.projectId,
      message_delivery_report: {
        message_id: message.messageId,
        conversation_id: '',
        status: 'DELIVERED',
        channel_identity: { channel: 'SMS', identity: '46701740610', app_id: '' },
        contact_id: '',
        metadata: 'd-1#1',
        processing_mode: 'DISPATCH',
      },
      message_metadata: '',
    });
  });

  it('carries the reason of a FAILED report in Sinch field names', () => {
    // Act
    const body = JSON.parse(
      buildDeliveryReport(message, {
        status: 'FAILED',
        eventTime: '2026-03-02T10:15:32.000Z',
        reason: { code: 'RATE_LIMITED', subCode: 'UNSPECIFIED_SUB_CODE', description: 'slow down' },
      }),
    ) as { message_delivery_report: { reason: unknown } };

    // Assess
    expect(body.message_delivery_report.reason).toEqual({
      code: 'RATE_LIMITED',
      description: 'slow down',
      sub_code: 'UNSPECIFIED_SUB_CODE',
    });
  });

  it('writes event_time with nanosecond precision that Date.parse still reads', () => {
    // Act
    const time = eventTime(new Date('2026-03-02T10:15:32.123Z'), 456789);

    // Assess
    expect(time).toBe('2026-03-02T10:15:32.123456789Z');
    expect(Date.parse(time)).toBe(Date.parse('2026-03-02T10:15:32.123Z'));
  });
});
