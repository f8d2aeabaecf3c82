import { createServer } from 'node:net';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { clearCache } from '@middy/util';
import { SECRETS_CACHE_MS, createIngressHandler, liveDeps } from '../../../lib/ingress/ingress-handler';
import { boundedClientOptions } from '../../../lib/shared/aws-clients';
import { REFRESH_RETRY_BASE_MS } from '../../../lib/shared/middleware/ssm-parameter';
import { loadIngressConfig } from '../../../lib/shared/config';
import type { SsmClientSettings } from '../../../lib/shared/middleware/ssm-parameter';
import { decodeEnvelope } from '../../../lib/receipts/receipt-envelope';
import { startSqsEmulator, type SqsEmulator } from '../../../local/sqs-emulator';
import { startSsmStandIn, type SsmStandIn } from '../../../local/ssm-stand-in';
import { deliveryReportBody } from '../../builders/delivery-report';
import { aFunctionUrlEvent, aLambdaContext } from '../../builders/function-url-event';
import { signWebhook } from '../../builders/signed-webhook';
import { captureOutput, type CapturedOutput } from '../../support/captured-output';

/**
 * The real handler with its production wiring (`liveDeps`): the real SQS client against fauxqs and
 * the SSM parameter middleware's real SSM client against the SSM stand-in, both on 127.0.0.1, reached
 * through the standard AWS_ENDPOINT_URL_* variables exactly as in the local stack.
 */
const PARAM = '/receipt-driven-sms/it/sinch-webhook-secrets';
const CURRENT = 'whsec-integration-current';
const NEXT = 'whsec-integration-next';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('ingress handler against fauxqs and the SSM stand-in', () => {
  let sqsEmulator: SqsEmulator;
  let ssm: SsmStandIn;
  let admin: SQSClient;
  let queueUrl: string;
  let dlqUrl: string;
  let output: CapturedOutput;

  const env = () => ({ ...process.env, RECEIPTS_QUEUE_URL: queueUrl, RECEIPTS_DLQ_URL: dlqUrl, STAGE: 'it' });
  const handlerWith = (overrides: Partial<SsmClientSettings> = {}) => {
    const deps = liveDeps(loadIngressConfig({ ...env(), WEBHOOK_SECRETS_PARAM: PARAM }));
    return createIngressHandler({ ...deps, ssm: { ...deps.ssm, ...overrides } });
  };
  const post = (body: string, secret: string, timestamp?: number) => {
    const signed = signWebhook({ body, secret, timestamp });
    return aFunctionUrlEvent({ body: signed.body, headers: signed.headers });
  };
  const drain = async (url: string): Promise<Message[]> => {
    const { Messages } = await admin.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
    );
    return Messages ?? [];
  };

  beforeAll(async () => {
    [sqsEmulator, ssm] = await Promise.all([
      startSqsEmulator({ root: process.cwd() }),
      startSsmStandIn({ parameters: { [PARAM]: { value: CURRENT, type: 'SecureString' } } }),
    ]);
    process.env.AWS_ENDPOINT_URL_SQS = sqsEmulator.endpoint;
    process.env.AWS_ENDPOINT_URL_SSM = ssm.endpoint;
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    process.env.AWS_REGION = 'us-east-1';

    admin = new SQSClient({ useQueueUrlAsEndpoint: false });
    dlqUrl = (await admin.send(new CreateQueueCommand({ QueueName: 'receipts-dlq' }))).QueueUrl ?? '';
    const { Attributes } = await admin.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    queueUrl =
      (
        await admin.send(
          new CreateQueueCommand({
            QueueName: 'receipts',
            Attributes: {
              RedrivePolicy: JSON.stringify({
                deadLetterTargetArn: Attributes?.QueueArn,
                maxReceiveCount: 5,
              }),
            },
          }),
        )
      ).QueueUrl ?? '';
  });

  afterAll(async () => {
    admin.destroy();
    await Promise.all([sqsEmulator.stop(), ssm.stop()]);
  });

  beforeEach(() => {
    output = captureOutput();
  });

  afterEach(async () => {
    output.restore();
    clearCache();
    ssm.setParameter(PARAM, { value: CURRENT });
    await Promise.all([drain(queueUrl), drain(dlqUrl)]);
  });

  it('puts a signed delivery report on the receipts queue with its raw body and attributes', async () => {
    const body = deliveryReportBody({ messageId: '01JINTEGRATION0000000000AA', status: 'DELIVERED' });
    const before = Date.now();

    const response = await handlerWith()(post(body, CURRENT), aLambdaContext());

    expect(response).toMatchObject({ statusCode: 200, body: '{"status":"enqueued"}' });
    const messages = await drain(queueUrl);
    expect(messages).toHaveLength(1);
    const envelope = decodeEnvelope(messages[0]?.Body ?? '');
    expect(envelope?.rawBody).toBe(body);
    expect(Date.parse(envelope?.receivedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
    expect(messages[0]?.MessageAttributes).toEqual({
      eventType: { DataType: 'String', StringValue: 'message_delivery_report' },
      messageId: { DataType: 'String', StringValue: '01JINTEGRATION0000000000AA' },
      status: { DataType: 'String', StringValue: 'DELIVERED' },
    });
    expect(await drain(dlqUrl)).toEqual([]);
  });

  it('keeps a body with characters outside the Basic Multilingual Plane intact through the emulator', async () => {
    const body = deliveryReportBody({ metadata: 'code sent 📩' });

    const response = await handlerWith()(post(body, CURRENT), aLambdaContext());

    expect(response.statusCode).toBe(200);
    expect(decodeEnvelope((await drain(queueUrl))[0]?.Body ?? '')?.rawBody).toBe(body);
  });

  it('parks a signed but unusable body in the DLQ with its reason', async () => {
    const response = await handlerWith()(post('<xml>not json</xml>', CURRENT), aLambdaContext());

    expect(response).toMatchObject({ statusCode: 200, body: '{"status":"parked"}' });
    const parked = await drain(dlqUrl);
    expect(parked).toHaveLength(1);
    expect(decodeEnvelope(parked[0]?.Body ?? '')?.rawBody).toBe('<xml>not json</xml>');
    expect(parked[0]?.MessageAttributes).toEqual({
      parkedReason: { DataType: 'String', StringValue: 'not_json' },
      parkedBy: { DataType: 'String', StringValue: 'ingress' },
    });
    expect(await drain(queueUrl)).toEqual([]);
  });

  it('refuses a forged webhook and queues nothing', async () => {
    const response = await handlerWith()(post(deliveryReportBody(), 'forged'), aLambdaContext());

    expect(response.statusCode).toBe(401);
    expect(await drain(queueUrl)).toEqual([]);
    expect(await drain(dlqUrl)).toEqual([]);
  });

  it('reads the secret once from SSM and serves later requests from the cache', async () => {
    const handler = handlerWith();
    const readsBefore = ssm.reads;

    for (let i = 0; i < 3; i += 1) await handler(post(deliveryReportBody(), CURRENT), aLambdaContext());

    expect(ssm.reads - readsBefore).toBe(1);
  });

  it('follows a secret rotation in SSM once the cache expires, with no rejected webhook on the way', async () => {
    const handler = handlerWith({ cacheExpiryMs: 100 });
    const status = async (secret: string) =>
      (await handler(post(deliveryReportBody(), secret), aLambdaContext())).statusCode;
    const expire = () => new Promise((resolve) => setTimeout(resolve, 250));

    expect(await status(CURRENT)).toBe(200);
    expect(await status(NEXT)).toBe(401);

    ssm.setParameter(PARAM, { value: `${NEXT}\n${CURRENT}` });
    await expire();
    expect(await status(NEXT)).toBe(200);
    expect(await status(CURRENT)).toBe(200);

    ssm.setParameter(PARAM, { value: NEXT });
    await expire();
    expect(await status(NEXT)).toBe(200);
    expect(await status(CURRENT)).toBe(401);
  });

  it('keeps the secrets it read while SSM is unreachable, then follows the rotation once SSM answers again', async () => {
    // Prepare: the SSM client's endpoint can be switched to a closed port, and the cache runs on a test clock.
    let ssmEndpoint = ssm.endpoint;
    let now = Date.now();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const handler = handlerWith({
      now: () => now,
      awsClientOptions: {
        ...boundedClientOptions(500),
        endpoint: async () => ({ url: new URL(ssmEndpoint) }),
      },
    });
    const status = async (secret: string) =>
      (await handler(post(deliveryReportBody(), secret), aLambdaContext())).statusCode;
    try {
      expect(await status(CURRENT)).toBe(200);
      ssm.setParameter(PARAM, { value: NEXT });
      ssmEndpoint = `http://127.0.0.1:${await closedPort()}`;

      // Act
      now += SECRETS_CACHE_MS;
      const duringOutage = await status(CURRENT);
      ssmEndpoint = ssm.endpoint;
      now += REFRESH_RETRY_BASE_MS;
      const afterOutage = [await status(NEXT), await status(CURRENT)];

      // Assess
      expect(duringOutage).toBe(200);
      expect(afterOutage).toEqual([200, 401]);
      expect(output.logLines()).toContainEqual(
        expect.objectContaining({
          level: 'WARN',
          message: 'Could not refresh an SSM parameter; serving the value read earlier',
          parameter: PARAM,
        }),
      );
      expect(output.metricBlobs().filter((blob) => 'SsmRefreshFailures' in blob)).toHaveLength(1);
      expect(output.text()).not.toContain(CURRENT);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('accepts a report signed an hour ago and refuses one signed three days ago', async () => {
    // Prepare
    const handler = handlerWith();
    const nowSeconds = Math.floor(Date.now() / 1000);

    // Act
    const hourOld = await handler(post(deliveryReportBody(), CURRENT, nowSeconds - 3600), aLambdaContext());
    const daysOld = await handler(
      post(deliveryReportBody(), CURRENT, nowSeconds - 3 * 86_400),
      aLambdaContext(),
    );

    // Assess
    expect([hourOld.statusCode, daysOld.statusCode]).toEqual([200, 401]);
    expect(await drain(queueUrl)).toHaveLength(1);
  });

  it('answers 500 when SQS is unreachable, so Sinch retries', async () => {
    process.env.AWS_ENDPOINT_URL_SQS = `http://127.0.0.1:${await closedPort()}`;
    try {
      const response = await handlerWith()(post(deliveryReportBody(), CURRENT), aLambdaContext());

      expect(response).toMatchObject({ statusCode: 500, body: '{"error":"Internal Server Error"}' });
      expect(output.logLines()).toContainEqual(
        expect.objectContaining({
          level: 'ERROR',
          error: expect.objectContaining({ name: 'QueueUnavailableError' }),
        }),
      );
    } finally {
      process.env.AWS_ENDPOINT_URL_SQS = sqsEmulator.endpoint;
    }
  });

  it('answers 500 when the SSM parameter is missing', async () => {
    const deps = liveDeps(
      loadIngressConfig({ ...env(), WEBHOOK_SECRETS_PARAM: '/receipt-driven-sms/it/missing' }),
    );

    const response = await createIngressHandler(deps)(post(deliveryReportBody(), CURRENT), aLambdaContext());

    expect(response.statusCode).toBe(500);
    expect(await drain(queueUrl)).toEqual([]);
  });
});
