import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { META_SK, attemptSk, deliveryPk, type DeliveryMetaItem } from '../../../lib/table/delivery-model';
import { AttemptNotFoundError } from '../../../lib/shared/errors';
import { createReceiptProcessor, type ReceiptResult } from '../../../lib/receipts/process-receipt';
import { parseDeliveryReceipt, type DeliveryReceipt } from '../../../lib/receipts/receipt-payload';
import {
  createReceiptRecorder,
  type ReceiptRecorder,
  type RecordedAttempt,
} from '../../../lib/receipts/receipt-recorder';
import { createWorkflowCallbacks } from '../../../lib/receipts/workflow-callbacks';
import { META_PHONE, aMetaItem, anAttemptItem } from '../../builders/attempt-item';
import { deliveryReportBody, type DeliveryReportOptions } from '../../builders/delivery-report';
import { RECEIVED_AT } from '../../builders/sqs-record';
import { createDeliveriesTable, startDynalite, type DynaliteInstance } from '../../support/deliveries-table';
import { recordingMetrics, type RecordingMetrics } from '../../support/recording-metrics';
import { fakeTaskTokens, type TaskTokens } from '../../support/task-tokens';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const NOW = new Date('2026-03-02T10:15:36.000Z');

/** One arrival of a receipt: the report and the SQS message it came in. */
interface Arrival {
  readonly label: string;
  readonly report: DeliveryReportOptions;
  readonly claimId: string;
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('receipt processing on DynamoDB (dynalite) with Step Functions task tokens', () => {
  let dynamo: DynaliteInstance;
  let raw: DynamoDBClient;
  let client: DynamoDBDocumentClient;
  let tableName: string;
  let tokens: TaskTokens;
  let telemetry: RecordingMetrics;
  let ids = 0;

  beforeAll(async () => {
    dynamo = await startDynalite();
    raw = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials });
    client = DynamoDBDocumentClient.from(raw);
    tableName = await createDeliveriesTable(raw, { tableName: 'process-receipt-test' });
  });

  afterAll(async () => {
    raw.destroy();
    await dynamo.stop();
  });

  beforeEach(() => {
    tokens = fakeTaskTokens();
    telemetry = recordingMetrics();
  });

  afterEach(() => tokens.restore());

  function processorWith(
    recorder: ReceiptRecorder = createReceiptRecorder({ documentClient: client, tableName }),
  ) {
    return createReceiptProcessor({
      recorder,
      callbacks: createWorkflowCallbacks(tokens.client),
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics: telemetry.metrics,
      now: () => NOW,
    });
  }

  /** Seeds a delivery with one SMS attempt waiting on an open task token. */
  async function seedDelivery() {
    ids += 1;
    const deliveryId = `dlv-${ids}`;
    const messageId = `01HZX4R2K8M3P6Q9S1T4V7W${String(ids).padStart(3, '0')}`;
    const attempt = anAttemptItem({ deliveryId, messageId });
    await client.send(new PutCommand({ TableName: tableName, Item: attempt }));
    await client.send(new PutCommand({ TableName: tableName, Item: aMetaItem({ deliveryId }) }));
    tokens.open(attempt.taskToken!);
    return { deliveryId, messageId, taskToken: attempt.taskToken!, metadata: `${deliveryId}#1` };
  }

  async function read(deliveryId: string) {
    const get = async (SK: string) =>
      (await client.send(new GetCommand({ TableName: tableName, Key: { PK: deliveryPk(deliveryId), SK } })))
        .Item;
    return {
      attempt: (await get(attemptSk(1))) as RecordedAttempt,
      meta: (await get(META_SK)) as DeliveryMetaItem,
    };
  }

  function receipt(messageId: string, metadata: string, report: DeliveryReportOptions): DeliveryReceipt {
    return parseDeliveryReceipt(deliveryReportBody({ messageId, metadata, ...report }));
  }

  describe('arrival order', () => {
    const queued: DeliveryReportOptions = {
      status: 'QUEUED_ON_CHANNEL',
      eventTime: '2026-03-02T10:15:31.000Z',
    };
    const delivered: DeliveryReportOptions = {
      status: 'DELIVERED',
      eventTime: '2026-03-02T10:15:33.123456789Z',
    };
    const failed: DeliveryReportOptions = {
      status: 'FAILED',
      eventTime: '2026-03-02T10:15:34.000Z',
      reason: { code: 'RECIPIENT_NOT_REACHABLE', sub_code: 'UNSPECIFIED_SUB_CODE' },
    };
    // The same DELIVERED report twice, as Sinch retrying a webhook produces it: two SQS messages.
    const arrivals: Arrival[] = [
      { label: 'QUEUED', report: queued, claimId: 'sqs-q' },
      { label: 'DELIVERED', report: delivered, claimId: 'sqs-d' },
      { label: 'FAILED', report: failed, claimId: 'sqs-f' },
      { label: 'DELIVERED again', report: delivered, claimId: 'sqs-d2' },
    ];

    async function runInOrder(order: readonly Arrival[], concurrently: boolean) {
      const delivery = await seedDelivery();
      const processReceipt = processorWith();
      const run = (arrival: Arrival) =>
        processReceipt(receipt(delivery.messageId, delivery.metadata, arrival.report), {
          receivedAt: RECEIVED_AT,
          claimId: arrival.claimId,
        });
      const results: ReceiptResult[] = [];
      if (concurrently) results.push(...(await Promise.all(order.map(run))));
      else for (const arrival of order) results.push(await run(arrival));
      return { delivery, results, ...(await read(delivery.deliveryId)) };
    }

    it.each(permutations(arrivals).map((order) => [order.map((a) => a.label).join(' → '), order]))(
      'ends in the same state with one callback: %s',
      async (_name, order) => {
        const { delivery, attempt, meta, results } = await runInOrder(order, false);

        expect(attempt.status).toBe('FAILED');
        expect(attempt.class).toBe('Permanent');
        expect(attempt.receipts?.map((r) => r.status).sort()).toEqual([
          'DELIVERED',
          'FAILED',
          'QUEUED_ON_CHANNEL',
        ]);
        expect(attempt.receiptKeys?.size).toBe(3);
        expect(tokens.calls()).toBe(1);
        expect(tokens.completions).toHaveLength(1);
        expect(tokens.completions[0]?.taskToken).toBe(delivery.taskToken);

        // Whichever final report came first woke the workflow; a delivery after a failure is flagged.
        const firstFinal = order.find((a) => a.label !== 'QUEUED')!;
        expect(tokens.completions[0]?.kind).toBe(firstFinal.label === 'FAILED' ? 'failure' : 'success');
        expect(meta.lateSmsDelivered === true).toBe(firstFinal.label === 'FAILED');
        expect(attempt.receipts?.filter((r) => r.late).map((r) => r.status)).toEqual(
          firstFinal.label === 'FAILED' ? ['DELIVERED'] : ['FAILED'],
        );
        expect(results.filter((r) => r.callback === 'sent')).toHaveLength(1);
      },
    );

    it.each(
      permutations(arrivals.slice(0, 3)).map((order) => [order.map((a) => a.label).join(' ‖ '), order]),
    )('ends in the same state with one callback when all arrive at once: %s', async (_name, order) => {
      const { attempt } = await runInOrder([...order, arrivals[3]!], true);

      expect(attempt.status).toBe('FAILED');
      expect(attempt.receipts).toHaveLength(3);
      expect(tokens.calls()).toBe(1);
      expect(tokens.completions).toHaveLength(1);
      // Only the final report that lost the claim is late, never the winner or its duplicate.
      const loser = tokens.completions[0]?.kind === 'failure' ? 'DELIVERED' : 'FAILED';
      expect(attempt.receipts?.filter((r) => r.late).map((r) => r.status)).toEqual([loser]);
    });
  });

  it('wakes the workflow with the delivered result', async () => {
    const { deliveryId, messageId, metadata, taskToken } = await seedDelivery();

    const result = await processorWith()(
      receipt(messageId, metadata, { status: 'DELIVERED', eventTime: '2026-03-02T10:15:33.123456789Z' }),
      { receivedAt: RECEIVED_AT, claimId: 'sqs-1' },
    );

    expect(result).toMatchObject({
      deliveryId,
      attempt: 1,
      callback: 'sent',
      late: false,
      attemptStatus: 'DELIVERED',
    });
    expect(tokens.completions).toEqual([
      {
        taskToken,
        kind: 'success',
        output: { status: 'DELIVERED', messageId, attempt: 1, statusAt: '2026-03-02T10:15:33.123456789Z' },
      },
    ]);
    const { attempt } = await read(deliveryId);
    expect(attempt).toMatchObject({
      callbackDoneAt: NOW.toISOString(),
      callbackResult: 'sent',
      callbackBy: 'sqs-1',
    });
    expect(telemetry.count('ReceiptsRecorded{status=DELIVERED}')).toBe(1);
    expect(telemetry.count('WorkflowCallbacks')).toBe(1);
  });

  it('fails the task with Sms.<Class> and a cause without personal data', async () => {
    const { messageId, metadata, taskToken } = await seedDelivery();

    await processorWith()(
      receipt(messageId, metadata, {
        status: 'FAILED',
        reason: {
          code: 'CHANNEL_FAILURE',
          sub_code: 'INACTIVE_SENDER',
          description: `The underlying channel reported: ${META_PHONE.slice(1)} barred`,
        },
      }),
      { receivedAt: RECEIVED_AT, claimId: 'sqs-1' },
    );

    expect(tokens.completions).toEqual([
      {
        taskToken,
        kind: 'failure',
        error: 'Sms.Config',
        cause: {
          reasonCode: 'CHANNEL_FAILURE',
          subCode: 'INACTIVE_SENDER',
          description: 'The underlying channel reported: [redacted] barred',
          messageId,
          attempt: 1,
        },
      },
    ]);
    expect(telemetry.count('SmsFailures{class=Config}')).toBe(1);
  });

  it('fails the task as Sms.Unknown when a FAILED report has no reason', async () => {
    const { messageId, metadata } = await seedDelivery();

    await processorWith()(receipt(messageId, metadata, { status: 'FAILED' }), {
      receivedAt: RECEIVED_AT,
      claimId: 'sqs-1',
    });

    expect(tokens.completions[0]).toMatchObject({ error: 'Sms.Unknown', cause: { reasonCode: 'UNKNOWN' } });
  });

  it('records QUEUED_ON_CHANNEL and SWITCHING_CHANNEL without waking anything', async () => {
    const { deliveryId, messageId, metadata } = await seedDelivery();
    const processReceipt = processorWith();

    const queued = await processReceipt(receipt(messageId, metadata, { status: 'QUEUED_ON_CHANNEL' }), {
      receivedAt: RECEIVED_AT,
      claimId: 'sqs-1',
    });
    const switching = await processReceipt(
      receipt(messageId, metadata, {
        status: 'SWITCHING_CHANNEL',
        eventTime: '2026-03-02T10:15:32.000Z',
        reason: { code: 'RECIPIENT_NOT_REACHABLE' },
      }),
      { receivedAt: RECEIVED_AT, claimId: 'sqs-2' },
    );

    expect(queued).toMatchObject({ callback: 'none', advanced: true, attemptStatus: 'QUEUED_ON_CHANNEL' });
    expect(switching).toMatchObject({
      callback: 'none',
      advanced: false,
      attemptStatus: 'QUEUED_ON_CHANNEL',
    });
    expect(tokens.calls()).toBe(0);
    const { attempt } = await read(deliveryId);
    expect(attempt.receipts?.[1]).toMatchObject({
      status: 'SWITCHING_CHANNEL',
      reasonCode: 'RECIPIENT_NOT_REACHABLE',
      failureClass: 'Permanent',
    });
  });

  it('uses the time the ingress received the report when Sinch sent no event_time', async () => {
    const { messageId, metadata } = await seedDelivery();

    await processorWith()(receipt(messageId, metadata, { status: 'DELIVERED', eventTime: null }), {
      receivedAt: RECEIVED_AT,
      claimId: 'sqs-1',
    });

    expect(tokens.completions[0]?.output).toMatchObject({ statusAt: RECEIVED_AT });
  });

  it('correlates by message id when Sinch did not echo our metadata', async () => {
    const { deliveryId, messageId } = await seedDelivery();

    const result = await processorWith()(receipt(messageId, '', { status: 'DELIVERED' }), {
      receivedAt: RECEIVED_AT,
      claimId: 'sqs-1',
    });

    expect(result).toMatchObject({ deliveryId, correlatedBy: 'messageId', callback: 'sent' });
  });

  it('throws AttemptNotFoundError for a receipt that matches no attempt', async () => {
    await expect(
      processorWith()(receipt('01HUNKNOWNMESSAGE00000000', '', { status: 'DELIVERED' }), {
        receivedAt: RECEIVED_AT,
        claimId: 'sqs-1',
      }),
    ).rejects.toBeInstanceOf(AttemptNotFoundError);
  });

  describe('idempotency and the crash window', () => {
    it('yields one entry and one callback when the same SQS message is processed twice', async () => {
      const { deliveryId, messageId, metadata } = await seedDelivery();
      const processReceipt = processorWith();
      const report = receipt(messageId, metadata, { status: 'DELIVERED' });

      const first = await processReceipt(report, { receivedAt: RECEIVED_AT, claimId: 'sqs-1' });
      const second = await processReceipt(report, { receivedAt: RECEIVED_AT, claimId: 'sqs-1' });

      expect(first).toMatchObject({ duplicate: false, callback: 'sent' });
      expect(second).toMatchObject({ duplicate: true, callback: 'duplicate', late: false });
      expect((await read(deliveryId)).attempt.receipts).toHaveLength(1);
      expect(tokens.calls()).toBe(1);
      expect(telemetry.count('DuplicateReceipts')).toBe(1);
    });

    it('calls back on the retry when Step Functions throttled the first try', async () => {
      const { deliveryId, messageId, metadata } = await seedDelivery();
      const processReceipt = processorWith();
      const report = receipt(messageId, metadata, { status: 'DELIVERED' });
      tokens.failNext(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

      await expect(processReceipt(report, { receivedAt: RECEIVED_AT, claimId: 'sqs-1' })).rejects.toThrow(
        'Rate exceeded',
      );
      expect((await read(deliveryId)).attempt.callbackAt).toBeUndefined();
      const retry = await processReceipt(report, { receivedAt: RECEIVED_AT, claimId: 'sqs-1' });

      expect(retry).toMatchObject({ duplicate: true, callback: 'sent' });
      expect(tokens.completions).toHaveLength(1);
    });

    it('lets another report claim the callback while a throttled one waits for its retry', async () => {
      const { messageId, metadata } = await seedDelivery();
      const processReceipt = processorWith();
      tokens.failNext(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

      await expect(
        processReceipt(
          receipt(messageId, metadata, { status: 'FAILED', reason: { code: 'CHANNEL_FAILURE' } }),
          {
            receivedAt: RECEIVED_AT,
            claimId: 'sqs-f',
          },
        ),
      ).rejects.toThrow();
      const delivered = await processReceipt(receipt(messageId, metadata, { status: 'DELIVERED' }), {
        receivedAt: RECEIVED_AT,
        claimId: 'sqs-d',
      });

      expect(delivered.callback).toBe('sent');
      expect(tokens.completions.map((c) => c.kind)).toEqual(['success']);
    });

    it('calls back again, harmlessly, when the process died between the callback and its done mark', async () => {
      const { deliveryId, messageId, metadata } = await seedDelivery();
      const recorder = createReceiptRecorder({ documentClient: client, tableName });
      const crashOnce = jest
        .spyOn(recorder, 'completeCallback')
        .mockRejectedValueOnce(new Error('Lambda timed out'));
      const report = receipt(messageId, metadata, { status: 'DELIVERED' });

      await expect(
        processorWith(recorder)(report, { receivedAt: RECEIVED_AT, claimId: 'sqs-1' }),
      ).rejects.toThrow('Lambda timed out');
      crashOnce.mockRestore();
      const redelivered = await processorWith(recorder)(report, {
        receivedAt: RECEIVED_AT,
        claimId: 'sqs-1',
      });

      expect(redelivered).toMatchObject({ callback: 'closed', late: false, lateSmsDelivered: false });
      expect(tokens.calls()).toBe(2);
      expect(tokens.completions).toHaveLength(1);
      const { attempt, meta } = await read(deliveryId);
      expect(attempt.callbackDoneAt).toBeDefined();
      expect(meta.lateSmsDelivered).toBeUndefined();
    });
  });

  describe('late receipts', () => {
    it('records a DELIVERED after the task timed out as late and flags the delivery', async () => {
      const { deliveryId, messageId, metadata, taskToken } = await seedDelivery();
      tokens.expire(taskToken);

      const result = await processorWith()(receipt(messageId, metadata, { status: 'DELIVERED' }), {
        receivedAt: RECEIVED_AT,
        claimId: 'sqs-1',
      });

      expect(result).toMatchObject({ callback: 'closed', late: true, lateSmsDelivered: true });
      const { attempt, meta } = await read(deliveryId);
      expect(attempt.receipts?.[0]?.late).toBe(true);
      expect(attempt.callbackResult).toBe('closed');
      expect(meta.lateSmsDelivered).toBe(true);
      expect(meta.outcome).toBeUndefined();
      expect(telemetry.count('LateReceipts')).toBe(1);
      expect(telemetry.count('LateSmsDelivered')).toBe(1);
    });

    it('records a FAILED after the task timed out as late without flagging a delivery', async () => {
      const { deliveryId, messageId, metadata, taskToken } = await seedDelivery();
      tokens.expire(taskToken);

      const result = await processorWith()(receipt(messageId, metadata, { status: 'FAILED' }), {
        receivedAt: RECEIVED_AT,
        claimId: 'sqs-1',
      });

      expect(result).toMatchObject({ callback: 'closed', late: true, lateSmsDelivered: false });
      expect((await read(deliveryId)).meta.lateSmsDelivered).toBeUndefined();
    });

    it('counts a redelivered late receipt once', async () => {
      const { messageId, metadata } = await seedDelivery();
      const processReceipt = processorWith();
      await processReceipt(receipt(messageId, metadata, { status: 'FAILED' }), {
        receivedAt: RECEIVED_AT,
        claimId: 'sqs-f',
      });
      const delivered = receipt(messageId, metadata, { status: 'DELIVERED' });

      const first = await processReceipt(delivered, { receivedAt: RECEIVED_AT, claimId: 'sqs-d' });
      const again = await processReceipt(delivered, { receivedAt: RECEIVED_AT, claimId: 'sqs-d' });

      expect(first).toMatchObject({ callback: 'superseded', late: true, lateSmsDelivered: true });
      expect(again).toMatchObject({ callback: 'superseded', duplicate: true });
      expect(telemetry.count('LateReceipts')).toBe(1);
      expect(telemetry.count('LateSmsDelivered')).toBe(1);
    });
  });
});
