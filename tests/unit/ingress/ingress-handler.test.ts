import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { clearCache } from '@middy/util';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  MAX_WEBHOOK_BODY_BYTES,
  SECRETS_CACHE_MS,
  createIngressHandler,
  type IngressDeps,
} from '../../../lib/ingress/ingress-handler';
import type { IngressConfig } from '../../../lib/shared/config';
import { decodeEnvelope } from '../../../lib/receipts/receipt-envelope';
import { createReceiptQueue } from '../../../lib/ingress/receipt-queue';
import { deliveryReportBody } from '../../builders/delivery-report';
import { aFunctionUrlEvent, aLambdaContext } from '../../builders/function-url-event';
import { signWebhook, type SignedWebhookOptions } from '../../builders/signed-webhook';
import { captureOutput, type CapturedOutput } from '../../support/captured-output';

const SECRET = 'whsec-current-0123456789abcdef';
const PHONE = '46701234567';
const METADATA = 'delivery-01JABCDEF#1';
const config: IngressConfig = {
  stage: 'unit',
  webhookSecretsParam: '/receipt-driven-sms/unit/sinch-webhook-secrets',
  webhookMaxAgeSeconds: 86_400,
  webhookMaxFutureSeconds: 300,
  receiptsQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts',
  receiptsDlqUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/receipts-dlq',
};
const NOW_MS = Date.UTC(2026, 2, 2, 10, 15, 35);
const NOW_S = Math.floor(NOW_MS / 1000);

const sqsMock = mockClient(SQSClient);
const ssmMock = mockClient(SSMClient);

function secretsParameter(value: string) {
  return { Parameters: [{ Name: config.webhookSecretsParam, Type: 'SecureString' as const, Value: value }] };
}

function buildHandler(overrides: Partial<IngressDeps> = {}) {
  return createIngressHandler({
    config,
    queue: createReceiptQueue({
      sqs: new SQSClient({ region: 'us-east-1' }),
      queueUrl: config.receiptsQueueUrl,
      dlqUrl: config.receiptsDlqUrl,
    }),
    logger: new Logger({ serviceName: 'ingress-unit', logLevel: 'DEBUG' }),
    metrics: new Metrics({ namespace: 'ReceiptDrivenSmsTest', serviceName: 'ingress-unit' }),
    now: () => NOW_MS,
    ssm: {},
    ...overrides,
  });
}

function signedEvent(
  options: Partial<SignedWebhookOptions> & { base64?: boolean } = {},
): APIGatewayProxyEventV2 {
  const signed = signWebhook({
    body: deliveryReportBody({ identity: PHONE, metadata: METADATA }),
    secret: SECRET,
    timestamp: NOW_S,
    ...options,
  });
  return aFunctionUrlEvent({ body: signed.body, headers: signed.headers, base64: options.base64 });
}

function sentMessages() {
  return sqsMock.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
}

function metricValue(
  output: CapturedOutput,
  name: string,
): { value: unknown; dimensions: Record<string, unknown> }[] {
  return output
    .metricBlobs()
    .filter((blob) => name in blob)
    .map((blob) => ({ value: blob[name], dimensions: blob }));
}

describe('ingress handler', () => {
  let output: CapturedOutput;

  beforeEach(() => {
    sqsMock.reset();
    ssmMock.reset();
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'sqs-message-1' });
    ssmMock.on(GetParametersCommand).resolves(secretsParameter(SECRET));
    output = captureOutput();
  });

  afterEach(() => {
    output.restore();
    // SSM values are cached per process (in @middy/util's cache); every test starts cold.
    clearCache();
  });

  describe('a verified delivery report', () => {
    it('is enqueued with its raw body and attributes, and answered 200', async () => {
      const event = signedEvent();

      const response = await buildHandler()(event, aLambdaContext());

      expect(response).toEqual({
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"status":"enqueued"}',
      });
      const [message] = sentMessages();
      expect(message?.QueueUrl).toBe(config.receiptsQueueUrl);
      expect(decodeEnvelope(message?.MessageBody ?? '')).toEqual({
        receivedAt: '2026-03-02T10:15:35.000Z',
        rawBody: event.body,
      });
      expect(message?.MessageAttributes).toMatchObject({
        eventType: { StringValue: 'message_delivery_report' },
        messageId: { StringValue: '01HZX4R2K8M3P6Q9S1T4V7W0YZ' },
        status: { StringValue: 'DELIVERED' },
      });
    });

    it('is logged at DEBUG with its message id and the stage, and counted as accepted', async () => {
      await buildHandler()(signedEvent(), aLambdaContext());

      expect(output.logLines()).toContainEqual(
        expect.objectContaining({
          message: 'Delivery report enqueued',
          stage: 'unit',
          messageId: '01HZX4R2K8M3P6Q9S1T4V7W0YZ',
          status: 'DELIVERED',
        }),
      );
      expect(metricValue(output, 'ReceiptsAccepted')).toEqual([expect.objectContaining({ value: 1 })]);
    });

    it('writes no log line at INFO, where the processor logs the receipt instead', async () => {
      const logger = new Logger({ serviceName: 'ingress-unit', logLevel: 'INFO' });

      await buildHandler({ logger })(signedEvent(), aLambdaContext());

      expect(output.logLines()).toEqual([]);
      expect(metricValue(output, 'ReceiptsAccepted')).toEqual([expect.objectContaining({ value: 1 })]);
    });

    it('is verified over the decoded bytes when the Function URL base64-encodes the body', async () => {
      const event = signedEvent({ base64: true });

      const response = await buildHandler()(event, aLambdaContext());

      expect(response.statusCode).toBe(200);
      expect(decodeEnvelope(sentMessages()[0]?.MessageBody ?? '')?.rawBody).toBe(
        deliveryReportBody({ identity: PHONE, metadata: METADATA }),
      );
    });

    it('is accepted with header names in any case, as API Gateway REST APIs deliver them', async () => {
      const event = signedEvent();
      event.headers = Object.fromEntries(
        Object.entries(event.headers).map(([name, value]) => [
          name.replace(/(^|-)\w/g, (c) => c.toUpperCase()),
          value,
        ]),
      );

      const response = await buildHandler()(event, aLambdaContext());

      expect(response.statusCode).toBe(200);
    });

    it('is accepted when signed with the previous secret during a rotation', async () => {
      ssmMock.on(GetParametersCommand).resolves(secretsParameter(`whsec-next\n${SECRET}\n`));

      const response = await buildHandler()(signedEvent(), aLambdaContext());

      expect(response.statusCode).toBe(200);
    });
  });

  describe('other signed webhooks', () => {
    it('acknowledges another known event without queueing it', async () => {
      const event = signedEvent({ body: '{"app_id":"a","message_inbound":{},"message":{"id":"m"}}' });

      const response = await buildHandler()(event, aLambdaContext());

      expect(response.body).toBe('{"status":"ignored"}');
      expect(sentMessages()).toEqual([]);
      expect(output.logLines()).toContainEqual(
        expect.objectContaining({
          level: 'DEBUG',
          eventType: 'message',
          message: expect.stringMatching(/ignored/),
        }),
      );
    });

    it.each([
      ['not JSON', 'definitely not json', 'not_json'],
      ['empty', '', 'empty_body'],
      ['without a known event key', '{"app_id":"a"}', 'no_event_key'],
      [
        'with two event keys',
        '{"message_delivery_report":{},"event_delivery_report":{}}',
        'several_event_keys',
      ],
    ])('parks a body that is %s in the DLQ with the reason, and answers 200', async (_case, body, reason) => {
      const response = await buildHandler()(signedEvent({ body }), aLambdaContext());

      expect(response).toMatchObject({ statusCode: 200, body: '{"status":"parked"}' });
      const [message] = sentMessages();
      expect(message?.QueueUrl).toBe(config.receiptsDlqUrl);
      expect(decodeEnvelope(message?.MessageBody ?? '')?.rawBody).toBe(body);
      expect(message?.MessageAttributes).toMatchObject({
        parkedReason: { StringValue: reason },
        parkedBy: { StringValue: 'ingress' },
      });
      expect(metricValue(output, 'ReceiptsParked')).toEqual([
        { value: 1, dimensions: expect.objectContaining({ reason }) },
      ]);
    });
  });

  describe('authentication failures', () => {
    it.each([
      ['an unsigned request', aFunctionUrlEvent({ body: deliveryReportBody() }), 'missing_signature'],
      ['a request signed with an unknown secret', signedEvent({ secret: 'forged' }), 'signature_mismatch'],
      [
        'a request signed three days ago',
        signedEvent({ timestamp: NOW_S - 3 * 86_400 }),
        'timestamp_too_old',
      ],
      [
        'a request signed a day and a second ago',
        signedEvent({ timestamp: NOW_S - 86_401 }),
        'timestamp_too_old',
      ],
      ['a request from the future', signedEvent({ timestamp: NOW_S + 301 }), 'timestamp_in_future'],
      ['a request signed an hour ahead', signedEvent({ timestamp: NOW_S + 3600 }), 'timestamp_in_future'],
      ['a request with another algorithm', signedEvent({ algorithm: 'HmacSHA512' }), 'unsupported_algorithm'],
    ])(
      'answers %s with a generic 401, one log line with the reason, and a metric',
      async (_case, event, reason) => {
        const response = await buildHandler()(event, aLambdaContext());

        expect(response).toEqual({
          statusCode: 401,
          headers: { 'content-type': 'application/json' },
          body: '{"error":"Unauthorized"}',
        });
        expect(sentMessages()).toEqual([]);
        const lines = output.logLines();
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatchObject({
          level: 'WARN',
          statusCode: 401,
          reason,
          errorName: 'WebhookVerificationError',
        });
        expect(metricValue(output, 'ReceiptsRejected')).toEqual([
          { value: 1, dimensions: expect.objectContaining({ reason }) },
        ]);
      },
    );
  });

  describe('HTTP shape', () => {
    it.each(['GET', 'PUT', 'OPTIONS'])(
      'answers %s with 405 and Allow: POST, without reading SSM',
      async (method) => {
        const response = await buildHandler()(aFunctionUrlEvent({ method }), aLambdaContext());

        expect(response).toMatchObject({ statusCode: 405, headers: { allow: 'POST' } });
        expect(metricValue(output, 'WebhooksReceived')).toEqual([expect.objectContaining({ value: 1 })]);
        expect(JSON.parse(response.body ?? '')).toEqual({ error: expect.any(String) });
        expect(ssmMock.commandCalls(GetParametersCommand)).toHaveLength(0);
      },
    );

    it('answers 413 for a body over 256 KiB, before any signature work', async () => {
      const event = signedEvent({ body: 'x'.repeat(MAX_WEBHOOK_BODY_BYTES + 1) });

      const response = await buildHandler()(event, aLambdaContext());

      expect(response.statusCode).toBe(413);
      expect(ssmMock.commandCalls(GetParametersCommand)).toHaveLength(0);
    });

    it('measures a base64 body after decoding it', async () => {
      const atLimit = signedEvent({ body: 'x'.repeat(MAX_WEBHOOK_BODY_BYTES), base64: true });
      const overLimit = signedEvent({ body: 'x'.repeat(MAX_WEBHOOK_BODY_BYTES + 1), base64: true });
      const handler = buildHandler();

      expect((await handler(atLimit, aLambdaContext())).statusCode).toBe(200);
      expect((await handler(overLimit, aLambdaContext())).statusCode).toBe(413);
    });

    it('counts the limit in bytes, not characters', async () => {
      const event = signedEvent({ body: 'é'.repeat(MAX_WEBHOOK_BODY_BYTES / 2 + 1) });

      expect((await buildHandler()(event, aLambdaContext())).statusCode).toBe(413);
    });
  });

  describe('dependencies failing', () => {
    it('answers 500 when SQS fails, so Sinch retries, and logs the failure', async () => {
      sqsMock
        .on(SendMessageCommand)
        .rejects(Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' }));

      const response = await buildHandler()(signedEvent(), aLambdaContext());

      expect(response).toMatchObject({ statusCode: 500, body: '{"error":"Internal Server Error"}' });
      expect(output.logLines()).toContainEqual(
        expect.objectContaining({
          level: 'ERROR',
          statusCode: 500,
          error: expect.objectContaining({ name: 'QueueUnavailableError' }),
        }),
      );
    });

    it('answers 500 when parking in the DLQ fails: a signed body is never acknowledged unkept', async () => {
      sqsMock.on(SendMessageCommand).rejects(new Error('DLQ unavailable'));

      const response = await buildHandler()(signedEvent({ body: 'not json' }), aLambdaContext());

      expect(response.statusCode).toBe(500);
    });

    it('answers 500 with a log line when SSM cannot be read, and reads it again on the next request', async () => {
      ssmMock
        .on(GetParametersCommand)
        .rejectsOnce(new Error('SSM throttled'))
        .resolves(secretsParameter(SECRET));
      const handler = buildHandler();

      const first = await handler(signedEvent(), aLambdaContext());
      const second = await handler(signedEvent(), aLambdaContext());

      expect(first.statusCode).toBe(500);
      expect(output.logLines()).toContainEqual(expect.objectContaining({ level: 'ERROR', statusCode: 500 }));
      expect(second.statusCode).toBe(200);
    });

    it('keeps verifying with the secrets it has when re-reading them fails, and counts the failure', async () => {
      // Prepare
      let now = NOW_MS;
      const handler = buildHandler({ now: () => NOW_MS, ssm: { now: () => now } });
      await handler(signedEvent(), aLambdaContext());
      ssmMock.on(GetParametersCommand).rejects(new Error('SSM throttled'));

      // Act
      now += SECRETS_CACHE_MS;
      const response = await handler(signedEvent(), aLambdaContext());

      // Assess
      expect(response.statusCode).toBe(200);
      expect(ssmMock.commandCalls(GetParametersCommand)).toHaveLength(2);
      expect(metricValue(output, 'SsmRefreshFailures')).toEqual([expect.objectContaining({ value: 1 })]);
      expect(output.logLines()).toContainEqual(
        expect.objectContaining({ level: 'WARN', parameter: config.webhookSecretsParam }),
      );
    });

    it('answers 500 when the parameter does not exist', async () => {
      ssmMock
        .on(GetParametersCommand)
        .resolves({ Parameters: [], InvalidParameters: [config.webhookSecretsParam] });

      const response = await buildHandler()(signedEvent(), aLambdaContext());

      expect(response.statusCode).toBe(500);
    });

    it('answers 500, not 401, when the parameter holds no secret', async () => {
      ssmMock.on(GetParametersCommand).resolves(secretsParameter('\n  \n'));

      const response = await buildHandler()(signedEvent(), aLambdaContext());

      expect(response.statusCode).toBe(500);
      expect(output.logLines()).toContainEqual(
        expect.objectContaining({ error: expect.objectContaining({ name: 'ConfigError' }) }),
      );
    });

    it('reads the secrets once and serves later requests from the cache', async () => {
      const handler = buildHandler();

      for (let i = 0; i < 3; i += 1) await handler(signedEvent(), aLambdaContext());

      const calls = ssmMock.commandCalls(GetParametersCommand);
      expect(calls).toHaveLength(1);
      expect(calls[0]?.args[0].input).toEqual({ Names: [config.webhookSecretsParam], WithDecryption: true });
    });
  });

  describe('malformed input', () => {
    const odd: [string, APIGatewayProxyEventV2][] = [
      ['no body at all', aFunctionUrlEvent({ headers: signWebhook({ body: '', secret: SECRET }).headers })],
      [
        'no headers',
        { ...aFunctionUrlEvent({ body: '{}' }), headers: undefined as unknown as Record<string, string> },
      ],
      [
        'a body of invalid base64',
        aFunctionUrlEvent({ body: '%%%not-base64%%%', headers: { 'x-sinch-webhook-signature': 'x' } }),
      ],
      [
        'headers with absurd values',
        aFunctionUrlEvent({
          body: '{}',
          headers: {
            'x-sinch-webhook-signature': '='.repeat(5000),
            'x-sinch-webhook-signature-nonce': '\u0000',
            'x-sinch-webhook-signature-timestamp': '9'.repeat(400),
          },
        }),
      ],
      ['a timestamp beyond any date', signedEvent({ timestamp: '999999999999' })],
      [
        'no method',
        { ...aFunctionUrlEvent(), requestContext: {} as APIGatewayProxyEventV2['requestContext'] },
      ],
    ];

    it.each(odd)('answers %s without a 5xx or an exception', async (_case, event) => {
      const response = await buildHandler()(event, aLambdaContext());

      expect(response.statusCode).toBeGreaterThanOrEqual(200);
      expect(response.statusCode).toBeLessThan(500);
    });
  });

  it('does not log the event even when POWERTOOLS_LOGGER_LOG_EVENT asks for it', async () => {
    process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
    try {
      const logger = new Logger({ serviceName: 'ingress-unit', logLevel: 'DEBUG' });

      await buildHandler({ logger })(signedEvent(), aLambdaContext());

      expect(output.text()).not.toContain(PHONE);
    } finally {
      delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
    }
  });

  it('never writes the secret, the phone number, the metadata or the body to logs or metrics', async () => {
    const handler = buildHandler();
    const body = deliveryReportBody({ identity: PHONE, metadata: METADATA });

    await handler(signedEvent({ body }), aLambdaContext());
    await handler(signedEvent({ body, secret: 'forged' }), aLambdaContext());
    await handler(signedEvent({ body: `${body}garbage` }), aLambdaContext());
    sqsMock.on(SendMessageCommand).rejects(new Error('down'));
    await handler(signedEvent({ body }), aLambdaContext());

    const text = output.text();
    expect(output.logLines().length).toBeGreaterThanOrEqual(4);
    for (const needle of [SECRET, PHONE, METADATA, body.slice(0, 40)]) expect(text).not.toContain(needle);
  });
});
