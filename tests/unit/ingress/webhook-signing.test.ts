import vectors from '../../fixtures/sinch-signature-vectors.json';
import {
  computeWebhookSignature,
  signWebhook,
  SINCH_SIGNATURE_HEADERS as SIGNATURE_HEADERS,
} from '../../../lib/ingress/webhook-signature';

describe('webhook signing', () => {
  it.each(vectors.vectors.map((vector) => [vector.name, vector] as const))(
    'reproduces the official vector: %s',
    (_name, vector) => {
      // Act
      const signature = computeWebhookSignature(vector.body, vector.nonce, vector.timestamp, vector.secret);

      // Assess
      expect(signature).toBe(vector.signature);
    },
  );

  it('reproduces our own signed fixture for the FAILED delivery report', () => {
    const body =
      '{"app_id":"01HZX4Q6W3N5T8B2C7D9E1F0GH","accepted_time":"2026-03-02T10:15:30.120Z","event_time":"2026-03-02T10:15:34.587Z","project_id":"2f6b1c1e-4a7d-4f3e-9a61-0c2b5d8e7f10","message_delivery_report":{"message_id":"01HZX4R2K8M3P6Q9S1T4V7W0YZ","conversation_id":"","status":"FAILED","channel_identity":{"channel":"SMS","identity":"46701234567","app_id":""},"contact_id":"","reason":{"code":"RECIPIENT_NOT_REACHABLE","description":"The underlying channel reported: example","sub_code":"UNSPECIFIED_SUB_CODE"},"metadata":"{\\"notificationId\\":\\"n-123\\",\\"attempt\\":1}","processing_mode":"DISPATCH"},"message_metadata":"","correlation_id":"n-123#1"}';

    expect(
      computeWebhookSignature(body, '01HZX4S0AAAAAAAAAAAAAAAAAA', '1772446534', 'example-webhook-secret'),
    ).toBe('ReoEmkOKUR//IHZCiKWH2/AZDiRU+IRsXX7D7p4UA5M=');
  });

  it('signs with a fresh ULID nonce, the epoch second and the HmacSHA256 algorithm header', () => {
    // Prepare
    const body = '{"a":1}';

    // Act
    const first = signWebhook(body, 'secret', { nowSeconds: 1_800_000_000 });
    const second = signWebhook(body, 'secret', { nowSeconds: 1_800_000_000 });

    // Assess
    expect(first[SIGNATURE_HEADERS.timestamp]).toBe('1800000000');
    expect(first[SIGNATURE_HEADERS.algorithm]).toBe('HmacSHA256');
    expect(first[SIGNATURE_HEADERS.nonce]).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(first[SIGNATURE_HEADERS.nonce]).not.toBe(second[SIGNATURE_HEADERS.nonce]);
    expect(first[SIGNATURE_HEADERS.signature]).toBe(
      computeWebhookSignature(body, first[SIGNATURE_HEADERS.nonce]!, '1800000000', 'secret'),
    );
  });
});
