import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { clearCache } from '@middy/util';
import type { SQSRecord } from 'aws-lambda';
import { createIngressHandler, liveDeps as ingressDeps } from '../../../lib/ingress/ingress-handler';
import { createProcessorHandler, liveDeps as processorDeps } from '../../../lib/receipts/processor-handler';
import { createSqsClient } from '../../../lib/shared/aws-clients';
import { loadIngressConfig, loadProcessorConfig } from '../../../lib/shared/config';
import { createDocumentClient } from '../../../lib/table/document-client';
import { attemptSk, deliveryPk } from '../../../lib/table/delivery-model';
import type { RecordedAttempt } from '../../../lib/receipts/receipt-recorder';
import { startSqsEmulator, type SqsEmulator } from '../../../local/sqs-emulator';
import { startSsmStandIn, type SsmStandIn } from '../../../local/ssm-stand-in';
import { aMetaItem, anAttemptItem } from '../../builders/attempt-item';
import { deliveryReportBody, type DeliveryReportOptions } from '../../builders/delivery-report';
import { aFunctionUrlEvent, aLambdaContext } from '../../builders/function-url-event';
import { signWebhook } from '../../builders/signed-webhook';
import { anSqsEvent, fromSqsMessage, receiptMessageBody } from '../../builders/sqs-record';
import { captureOutput, type CapturedOutput } from '../../support/captured-output';
import { createDeliveriesTable, startDynalite, type DynaliteInstance } from '../../support/deliveries-table';
import { fakeTaskTokens, type TaskTokens } from '../../support/task-tokens';

/**
 * The processor with its production wiring (`liveDeps`): real DynamoDB and SQS clients against dynalite and
 * fauxqs on 127.0.0.1, reached through the standard AWS_ENDPOINT_URL_* variables as in the local stack.
 * Step Functions is the in-memory task-token fake, so each test can see which token was completed and how.
 */
const PARAM = '/receipt-driven-sms/it/sinch-webhook-secrets';
const SECRET = 'whsec-processor-integration';

describe('processor handler against dynalite and fauxqs', () => {
  let dynamo: DynaliteInstance;
  let sqsEmulator: SqsEmulator;
  let ssm: SsmStandIn;
  let admin: SQSClient;
  let documentClient: DynamoDBDocumentClient;
  let raw: DynamoDBClient;
  let tableName: string;
  let queueUrl: string;
  let dlqUrl: string;
  let orphansUrl: string;
  let tokens: TaskTokens;
  let output: CapturedOutput;
  let ids = 0;

  const env = () => ({
    ...process.env,
    STAGE: 'it',
    DELIVERIES_TABLE: tableName,
    RECEIPTS_QUEUE_URL: queueUrl,
    RECEIPTS_DLQ_URL: dlqUrl,
    ORPHANS_QUEUE_URL: orphansUrl,
    WEBHOOK_SECRETS_PARAM: PARAM,
  });
  /**
   * The production clients, with timeouts for a busy test machine: the production ones (1 s to connect,
   * 3 s per request) are sized for AWS, and an emulator sharing two loaded cores can take longer, which
   * would fail a record that these tests expect to be applied (in production SQS would retry it).
   */
  const roomy = { maxAttempts: 3, requestHandler: { connectionTimeout: 15_000, requestTimeout: 30_000 } };
  // Jitter fixed at its low end, so a transient retry comes back after the shortest delay of its step.
  const processor = () =>
    createProcessorHandler({
      ...processorDeps(loadProcessorConfig(env())),
      documentClient: createDocumentClient(roomy),
      sqs: createSqsClient(roomy),
      sfn: tokens.client,
      random: () => 0,
    });
  const ingress = () => createIngressHandler(ingressDeps(loadIngressConfig(env())));

  const receiveAll = async (url: string): Promise<Message[]> => {
    const messages: Message[] = [];
    for (;;) {
      const { Messages } = await admin.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      if (!Messages?.length) return messages;
      messages.push(...Messages);
    }
  };
  const enqueue = async (body: string) =>
    admin.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageAttributes: { eventType: { DataType: 'String', StringValue: 'message_delivery_report' } },
      }),
    );

  /** A delivery whose SMS attempts (1…n) each wait on an open task token; send-sms stored their message ids. */
  async function seedDelivery(attempts = 1) {
    ids += 1;
    const deliveryId = `it-${ids}`;
    await documentClient.send(new PutCommand({ TableName: tableName, Item: aMetaItem({ deliveryId }) }));
    const items = [];
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      const item = anAttemptItem({
        deliveryId,
        attempt,
        messageId: `01JIT${String(ids).padStart(4, '0')}${attempt}${'0'.repeat(16)}`,
      });
      await documentClient.send(new PutCommand({ TableName: tableName, Item: item }));
      tokens.open(item.taskToken!);
      items.push(item);
    }
    return { deliveryId, attempts: items };
  }

  async function readAttempt(deliveryId: string, attempt = 1) {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: tableName, Key: { PK: deliveryPk(deliveryId), SK: attemptSk(attempt) } }),
    );
    return Item as RecordedAttempt;
  }

  beforeAll(async () => {
    [dynamo, sqsEmulator, ssm] = await Promise.all([
      startDynalite(),
      startSqsEmulator({ root: process.cwd() }),
      startSsmStandIn({ parameters: { [PARAM]: { value: SECRET, type: 'SecureString' } } }),
    ]);
    process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
    process.env.AWS_ENDPOINT_URL_SQS = sqsEmulator.endpoint;
    process.env.AWS_ENDPOINT_URL_SSM = ssm.endpoint;
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    process.env.AWS_REGION = 'us-east-1';

    raw = new DynamoDBClient({});
    documentClient = DynamoDBDocumentClient.from(raw);
    tableName = await createDeliveriesTable(raw, { tableName: 'processor-it' });

    admin = new SQSClient({ useQueueUrlAsEndpoint: false });
    dlqUrl = (await admin.send(new CreateQueueCommand({ QueueName: 'receipts-dlq' }))).QueueUrl ?? '';
    orphansUrl = (await admin.send(new CreateQueueCommand({ QueueName: 'receipts-orphans' }))).QueueUrl ?? '';
    const { Attributes } = await admin.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    const { QueueUrl } = await admin.send(
      new CreateQueueCommand({
        QueueName: 'receipts',
        Attributes: {
          VisibilityTimeout: '180',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 5 }),
        },
      }),
    );
    queueUrl = QueueUrl ?? '';
  });

  afterAll(async () => {
    admin.destroy();
    raw.destroy();
    await Promise.all([dynamo.stop(), sqsEmulator.stop(), ssm.stop()]);
  });

  beforeEach(() => {
    tokens = fakeTaskTokens();
    output = captureOutput();
  });

  afterEach(async () => {
    output?.restore();
    tokens?.restore();
    clearCache();
    await Promise.all([receiveAll(queueUrl), receiveAll(dlqUrl), receiveAll(orphansUrl)]);
  });

  it('takes a receipt signed by Sinch through the ingress and the queue to the callback of its attempt', async () => {
    const { deliveryId, attempts } = await seedDelivery(2);
    const second = attempts[1]!;
    const body = deliveryReportBody({
      messageId: second.messageId,
      metadata: `${deliveryId}#2`,
      status: 'DELIVERED',
      eventTime: '2026-03-02T10:15:34.587654321Z',
    });
    const signed = signWebhook({ body, secret: SECRET });

    const accepted = await ingress()(aFunctionUrlEvent({ body, headers: signed.headers }), aLambdaContext());
    const records = (await receiveAll(queueUrl)).map(fromSqsMessage);
    const response = await processor()(anSqsEvent(records), aLambdaContext());

    expect(accepted.statusCode).toBe(200);
    expect(records).toHaveLength(1);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(tokens.completions).toEqual([
      {
        taskToken: second.taskToken,
        kind: 'success',
        output: {
          status: 'DELIVERED',
          messageId: second.messageId,
          attempt: 2,
          statusAt: '2026-03-02T10:15:34.587654321Z',
        },
      },
    ]);
    expect(await readAttempt(deliveryId, 2)).toMatchObject({ status: 'DELIVERED', callbackResult: 'sent' });
    expect(await readAttempt(deliveryId, 1)).toMatchObject({ status: 'SENT' });
  });

  it('answers a batch of good, duplicate, unknown and unparseable records with exactly the unknown one', async () => {
    const good = await seedDelivery();
    const failed = await seedDelivery();
    const report = (delivery: typeof good, options: DeliveryReportOptions) =>
      receiptMessageBody(
        deliveryReportBody({
          messageId: delivery.attempts[0]!.messageId,
          metadata: `${delivery.deliveryId}#1`,
          ...options,
        }),
      );
    const delivered = report(good, { status: 'DELIVERED' });
    const unknown = receiptMessageBody(
      deliveryReportBody({ messageId: '01JNOSUCHMESSAGE0000000000', status: 'DELIVERED' }),
    );
    const unparseable = receiptMessageBody('{"message_delivery_report": {"status": "DELIVERED"');
    for (const body of [
      delivered,
      delivered,
      report(failed, { status: 'FAILED', reason: { code: 'RECIPIENT_NOT_OPTED_IN' } }),
      report(failed, { status: 'QUEUED_ON_CHANNEL' }),
      unknown,
      unparseable,
      'not an envelope',
    ]) {
      await enqueue(body);
    }
    const records = (await receiveAll(queueUrl)).map(fromSqsMessage);

    const response = await processor()(anSqsEvent(records), aLambdaContext());

    const unknownRecord = records.find((r) => r.body === unknown)!;
    expect(records).toHaveLength(7);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: unknownRecord.messageId }] });
    expect(tokens.completions.map((c) => [c.taskToken, c.kind, c.error])).toEqual(
      expect.arrayContaining([
        [good.attempts[0]!.taskToken, 'success', undefined],
        [failed.attempts[0]!.taskToken, 'failure', 'Sms.Policy'],
      ]),
    );
    expect(tokens.calls()).toBe(2);
    expect((await readAttempt(good.deliveryId)).receipts).toHaveLength(1);
    expect(await readAttempt(failed.deliveryId)).toMatchObject({ status: 'FAILED', class: 'Policy' });

    const parked = await receiveAll(dlqUrl);
    expect(
      parked.map((m) => [
        m.Body,
        m.MessageAttributes?.parkedReason?.StringValue,
        m.MessageAttributes?.parkedBy?.StringValue,
      ]),
    ).toEqual(
      expect.arrayContaining([
        [unparseable, 'not_json', 'processor'],
        ['not an envelope', 'not_an_envelope', 'processor'],
      ]),
    );
    expect(parked).toHaveLength(2);
    expect(output.text()).not.toContain('46701234567');
  });

  it('yields one receipt entry and one callback when the same SQS message is processed twice', async () => {
    const { deliveryId, attempts } = await seedDelivery();
    await enqueue(
      receiptMessageBody(
        deliveryReportBody({
          messageId: attempts[0]!.messageId,
          metadata: `${deliveryId}#1`,
          status: 'FAILED',
        }),
      ),
    );
    const event = anSqsEvent((await receiveAll(queueUrl)).map(fromSqsMessage));
    const handler = processor();

    const first = await handler(event, aLambdaContext());
    const second = await handler(event, aLambdaContext());

    expect([first, second]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect((await readAttempt(deliveryId)).receipts).toHaveLength(1);
    expect(tokens.calls()).toBe(1);
    expect(tokens.completions[0]).toMatchObject({ kind: 'failure', error: 'Sms.Unknown' });
  });

  it('puts a receipt that came before its attempt back on the queue for a soon retry, then sets it aside as an orphan', async () => {
    await enqueue(
      receiptMessageBody(
        deliveryReportBody({ messageId: '01JEARLYMESSAGE00000000000', status: 'DELIVERED' }),
      ),
    );
    const [message] = await receiveAll(queueUrl);
    const record: SQSRecord = fromSqsMessage(message!);

    const early = await processor()(anSqsEvent([record]), aLambdaContext());
    const lastTry = await processor()(
      anSqsEvent([{ ...record, attributes: { ...record.attributes, ApproximateReceiveCount: '4' } }]),
      aLambdaContext(),
    );

    expect(early.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(output.logLines()).not.toContainEqual(
      expect.objectContaining({ message: 'Could not shorten the retry delay' }),
    );
    expect(lastTry.batchItemFailures).toEqual([]);
    const orphans = await receiveAll(orphansUrl);
    expect(
      orphans.map((m) => [
        m.Body,
        m.MessageAttributes?.parkedReason?.StringValue,
        m.MessageAttributes?.parkedBy?.StringValue,
        m.MessageAttributes?.eventType?.StringValue,
      ]),
    ).toEqual([[record.body, 'orphan', 'processor', 'message_delivery_report']]);
    // The DLQ, and its alarm, stay for reports that could not be used.
    expect(await receiveAll(dlqUrl)).toEqual([]);
  });

  it('brings a receipt that met throttling back within seconds, not after the 180 s visibility timeout', async () => {
    // Prepare
    const { deliveryId, attempts } = await seedDelivery();
    await enqueue(
      receiptMessageBody(
        deliveryReportBody({
          messageId: attempts[0]!.messageId,
          metadata: `${deliveryId}#1`,
          status: 'DELIVERED',
        }),
      ),
    );
    const [first] = (await receiveAll(queueUrl)).map(fromSqsMessage);
    tokens.failNext(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    // Act
    const throttled = await processor()(anSqsEvent([first!]), aLambdaContext());
    // Long polling waits for the message to be visible again; the queue's own timeout would take 180 s.
    const { Messages } = await admin.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        WaitTimeSeconds: 15,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        MessageAttributeNames: ['All'],
      }),
    );
    const again = (Messages ?? []).map(fromSqsMessage);
    const retried = await processor()(anSqsEvent(again), aLambdaContext());

    // Assess
    expect(throttled.batchItemFailures).toEqual([{ itemIdentifier: first!.messageId }]);
    expect(again.map((record) => [record.messageId, record.attributes.ApproximateReceiveCount])).toEqual([
      [first!.messageId, '2'],
    ]);
    expect(retried).toEqual({ batchItemFailures: [] });
    expect(tokens.completions).toEqual([
      expect.objectContaining({ taskToken: attempts[0]!.taskToken, kind: 'success' }),
    ]);
    expect(await readAttempt(deliveryId)).toMatchObject({ status: 'DELIVERED', callbackResult: 'sent' });
  });

  describe('webhook age and replays', () => {
    const nowSeconds = () => Math.floor(Date.now() / 1000);
    const signedPost = (body: string, timestamp: number) => {
      const signed = signWebhook({ body, secret: SECRET, timestamp });
      return aFunctionUrlEvent({ body, headers: signed.headers });
    };
    /** What the ingress queued, through the processor, as the event source mapping would deliver it. */
    const processQueued = async () => {
      const records = (await receiveAll(queueUrl)).map(fromSqsMessage);
      return { records, response: await processor()(anSqsEvent(records), aLambdaContext()) };
    };

    it('accepts and applies a report signed an hour ago, as a late Sinch retry with its first signature', async () => {
      // Prepare
      const { deliveryId, attempts } = await seedDelivery();
      const body = deliveryReportBody({
        messageId: attempts[0]!.messageId,
        metadata: `${deliveryId}#1`,
        status: 'DELIVERED',
      });

      // Act
      const accepted = await ingress()(signedPost(body, nowSeconds() - 3600), aLambdaContext());
      const { records, response } = await processQueued();

      // Assess
      expect(accepted.statusCode).toBe(200);
      expect(records).toHaveLength(1);
      expect(response).toEqual({ batchItemFailures: [] });
      expect(await readAttempt(deliveryId)).toMatchObject({ status: 'DELIVERED', callbackResult: 'sent' });
      expect(tokens.completions).toHaveLength(1);
    });

    it.each([
      ['signed three days ago', -3 * 86_400],
      ['signed an hour ahead', 3600],
    ])('refuses a report %s with 401 and queues nothing', async (_case, offset) => {
      // Prepare
      const { deliveryId, attempts } = await seedDelivery();
      const body = deliveryReportBody({
        messageId: attempts[0]!.messageId,
        metadata: `${deliveryId}#1`,
        status: 'DELIVERED',
      });

      // Act
      const response = await ingress()(signedPost(body, nowSeconds() + offset), aLambdaContext());

      // Assess
      expect(response.statusCode).toBe(401);
      expect(await receiveAll(queueUrl)).toEqual([]);
      expect(await readAttempt(deliveryId)).toMatchObject({ status: 'SENT' });
    });

    it('answers an exact replay with 200 and changes nothing', async () => {
      // Prepare
      const { deliveryId, attempts } = await seedDelivery();
      const body = deliveryReportBody({
        messageId: attempts[0]!.messageId,
        metadata: `${deliveryId}#1`,
        status: 'DELIVERED',
        eventTime: '2026-03-02T10:15:34.587654321Z',
      });
      const original = signedPost(body, nowSeconds() - 120);
      await ingress()(original, aLambdaContext());
      await processQueued();
      const before = await readAttempt(deliveryId);

      // Act: the same body and the same signature headers, posted again.
      const replayed = await ingress()(structuredClone(original), aLambdaContext());
      const { records, response } = await processQueued();

      // Assess
      expect(replayed.statusCode).toBe(200);
      expect(records).toHaveLength(1);
      expect(response).toEqual({ batchItemFailures: [] });
      expect(await readAttempt(deliveryId)).toEqual(before);
      expect(tokens.calls()).toBe(1);
    });

    it('moves nothing backwards when a QUEUED_ON_CHANNEL report is replayed after the DELIVERED one', async () => {
      // Prepare
      const { deliveryId, attempts } = await seedDelivery();
      const report = (status: string, eventTime: string) =>
        deliveryReportBody({
          messageId: attempts[0]!.messageId,
          metadata: `${deliveryId}#1`,
          status,
          eventTime,
        });
      const queued = signedPost(report('QUEUED_ON_CHANNEL', '2026-03-02T10:15:31.000Z'), nowSeconds() - 7200);
      await ingress()(queued, aLambdaContext());
      await ingress()(
        signedPost(report('DELIVERED', '2026-03-02T10:15:33.000Z'), nowSeconds() - 7000),
        aLambdaContext(),
      );
      await processQueued();
      const before = await readAttempt(deliveryId);

      // Act
      const replayed = await ingress()(structuredClone(queued), aLambdaContext());
      const { response } = await processQueued();

      // Assess
      expect(replayed.statusCode).toBe(200);
      expect(response).toEqual({ batchItemFailures: [] });
      expect(before).toMatchObject({ status: 'DELIVERED' });
      expect(await readAttempt(deliveryId)).toEqual(before);
      expect(tokens.completions).toEqual([expect.objectContaining({ kind: 'success' })]);
    });
  });
});
