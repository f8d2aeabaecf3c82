import { createHmac } from 'node:crypto';
import { verifyWebhookSignature } from '../lib/ingress/webhook-signature';
import { routeWebhook } from '../lib/ingress/webhook-routing';
import { compareInRounds, medianRatio, type BenchContext, type BenchRow } from './harness';

/**
 * Per-webhook CPU cost of the ingress core (signature verification, header reads included, and routing)
 * against the floor no verifier can beat: one HMAC-SHA256 of the signed data plus one JSON.parse of the
 * body. Goal: at most 1.15× the floor for a typical delivery report.
 */
const BENCH = 'ingress-verify';
const SECRET = 'bench-webhook-secret-0123456789abcdef';
const PREVIOUS = 'bench-webhook-secret-previous-000000';
const NONCE = '01HZX4S0AAAAAAAAAAAAAAAAAA';
const TIMESTAMP = '1772446534';

function deliveryReport(metadataBytes: number): string {
  return JSON.stringify({
    app_id: '01HZX4Q6W3N5T8B2C7D9E1F0GH',
    accepted_time: '2026-03-02T10:15:30.120Z',
    event_time: '2026-03-02T10:15:34.587Z',
    project_id: '2f6b1c1e-4a7d-4f3e-9a61-0c2b5d8e7f10',
    message_delivery_report: {
      message_id: '01HZX4R2K8M3P6Q9S1T4V7W0YZ',
      conversation_id: '',
      status: 'FAILED',
      channel_identity: { channel: 'SMS', identity: '46701234567', app_id: '' },
      contact_id: '',
      reason: {
        code: 'RECIPIENT_NOT_REACHABLE',
        description: 'The underlying channel reported: example',
        sub_code: 'UNSPECIFIED_SUB_CODE',
      },
      metadata: `d-01JBENCH#1${'x'.repeat(Math.max(0, metadataBytes))}`,
      processing_mode: 'DISPATCH',
    },
    message_metadata: '',
    correlation_id: 'n-123#1',
  });
}

function signedHeaders(body: string, secret: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    host: 'abcdefghijklmnop.lambda-url.us-east-1.on.aws',
    'user-agent': 'Sinch-Webhooks',
    'x-forwarded-proto': 'https',
    'x-sinch-webhook-signature': createHmac('sha256', secret)
      .update(`${body}.${NONCE}.${TIMESTAMP}`)
      .digest('base64'),
    'x-sinch-webhook-signature-nonce': NONCE,
    'x-sinch-webhook-signature-timestamp': TIMESTAMP,
    'x-sinch-webhook-signature-algorithm': 'HmacSHA256',
  };
}

function measure(
  label: string,
  body: string,
  signedWith: string,
  context: BenchContext,
  goal: boolean,
): BenchRow[] {
  const headers = signedHeaders(body, signedWith);
  const secrets = [SECRET, PREVIOUS];
  const nowSeconds = Number(TIMESTAMP);
  let sink = 0;

  const result = compareInRounds(
    {
      floor: () => {
        const digest = createHmac('sha256', SECRET).update(`${body}.${NONCE}.${TIMESTAMP}`).digest('base64');
        const parsed: unknown = JSON.parse(body);
        sink += digest.length + (parsed === null ? 0 : 1);
      },
      ingress: () => {
        verifyWebhookSignature({
          rawBody: body,
          headers,
          secrets,
          maxAgeSeconds: 86_400,
          maxFutureSeconds: 300,
          nowSeconds,
        });
        const route = routeWebhook(body);
        sink += route.action.length;
      },
    },
    context.quick ? { rounds: 10, iterations: 1000 } : { rounds: 40, iterations: 2000 },
  );
  if (sink === 0) throw new Error('benchmark body was optimised away');

  const size = `${Buffer.byteLength(body)} B body`;
  return [
    {
      bench: BENCH,
      case: `floor (HMAC + JSON.parse) for: ${label}, ${size}`,
      value: result.medians.floor,
      unit: 'ns/op',
    },
    { bench: BENCH, case: `ingress core: ${label}, ${size}`, value: result.medians.ingress, unit: 'ns/op' },
    {
      bench: BENCH,
      case: `ratio ingress/floor: ${label}, ${size}`,
      value: medianRatio(result, 'ingress', 'floor'),
      unit: '×',
      ...(goal ? { goal: { max: 1.15 } } : {}),
      note: 'median of per-round ratios',
    },
  ];
}

export default async function run(context: BenchContext): Promise<BenchRow[]> {
  const typical = deliveryReport(0);
  return [
    ...measure('current secret', typical, SECRET, context, true),
    ...measure('previous secret (rotation, 2 HMACs)', typical, PREVIOUS, context, false),
    ...measure('current secret', deliveryReport(64 * 1024), SECRET, context, false),
  ];
}
