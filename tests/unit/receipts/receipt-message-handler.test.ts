import type { SQSRecord } from 'aws-lambda';
import type { ReceiptResult } from '../../../lib/receipts/process-receipt';
import type { ProcessorQueue } from '../../../lib/receipts/processor-queue';
import type { ProcessorTelemetry } from '../../../lib/receipts/processor-telemetry';
import { createReceiptMessageHandler } from '../../../lib/receipts/receipt-message-handler';
import { AttemptNotFoundError } from '../../../lib/shared/errors';
import { anAwsSmsEvent } from '../../builders/aws-sms-event';
import { deliveryReportBody } from '../../builders/delivery-report';
import { anSqsRecord, receiptMessageBody } from '../../builders/sqs-record';
import { recordingMetrics, type RecordingMetrics } from '../../support/recording-metrics';

/** What the handler asked of SQS, in memory; each operation can be made to fail. */
class FakeQueue implements ProcessorQueue {
  readonly parked: { record: SQSRecord; reason: string }[] = [];
  readonly orphans: SQSRecord[] = [];
  readonly visibility: { receiptHandle: string; seconds: number }[] = [];
  failVisibility = false;

  async park(record: SQSRecord, reason: string): Promise<void> {
    this.parked.push({ record, reason });
  }

  async setAsideOrphan(record: SQSRecord): Promise<void> {
    this.orphans.push(record);
  }

  async retryAfter(record: SQSRecord, seconds: number): Promise<void> {
    if (this.failVisibility) throw new Error('ReceiptHandleIsInvalid');
    this.visibility.push({ receiptHandle: record.receiptHandle, seconds });
  }
}

const RESULT: ReceiptResult = {
  deliveryId: 'dlv-1',
  attempt: 1,
  correlatedBy: 'metadata',
  duplicate: false,
  advanced: true,
  attemptStatus: 'DELIVERED',
  callback: 'sent',
  late: false,
  lateSmsDelivered: false,
};

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

function aReceiptRecord(receiveCount = 1): SQSRecord {
  return anSqsRecord({ body: receiptMessageBody(deliveryReportBody({ status: 'DELIVERED' })), receiveCount });
}

function setup(processReceipt: () => Promise<ReceiptResult>) {
  const queue = new FakeQueue();
  const telemetry: RecordingMetrics = recordingMetrics();
  const warnings: string[] = [];
  const handle = createReceiptMessageHandler({
    processReceipt,
    queue,
    orphanAfterReceives: 4,
    // Always the longest delay of a step, so the expected delays are exact.
    random: () => 1,
    logger: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => void warnings.push(message),
      error: () => {},
    } as unknown as ProcessorTelemetry['logger'],
    metrics: telemetry.metrics,
  });
  return { queue, telemetry, warnings, handle };
}

describe('receipt message handler', () => {
  describe('a transient error', () => {
    it.each([
      [1, 2],
      [2, 4],
      [3, 8],
      [4, 16],
    ])(
      'brings the record back after a short delay on receive %i (%i s), then reports it as failed',
      async (receives, seconds) => {
        // Prepare
        const { queue, telemetry, handle } = setup(() => Promise.reject(throttled()));
        const record = aReceiptRecord(receives);

        // Act
        const outcome = handle(record);

        // Assess
        await expect(outcome).rejects.toThrow('Rate exceeded');
        expect(queue.visibility).toEqual([{ receiptHandle: record.receiptHandle, seconds }]);
        expect(telemetry.count('ReceiptProcessingErrors')).toBe(1);
        expect(queue.parked).toEqual([]);
      },
    );

    it('still reports the record as failed when its visibility cannot be changed, so nothing is lost', async () => {
      // Prepare
      const { queue, warnings, handle } = setup(() => Promise.reject(throttled()));
      queue.failVisibility = true;

      // Act
      const outcome = handle(aReceiptRecord());

      // Assess
      await expect(outcome).rejects.toThrow('Rate exceeded');
      expect(warnings).toContain('Could not shorten the retry delay');
    });
  });

  it('leaves an error that needs a person to the queue visibility timeout', async () => {
    // Prepare
    const denied = Object.assign(new Error('not authorised'), { name: 'AccessDeniedException' });
    const { queue, telemetry, handle } = setup(() => Promise.reject(denied));

    // Act
    const outcome = handle(aReceiptRecord());

    // Assess
    await expect(outcome).rejects.toThrow('not authorised');
    expect(queue.visibility).toEqual([]);
    expect(telemetry.count('ReceiptProcessingErrors')).toBe(1);
  });

  it('retries a receipt that matches no attempt yet after 5 s, 10 s, 20 s …', async () => {
    // Prepare
    const { queue, telemetry, handle } = setup(() => Promise.reject(new AttemptNotFoundError('m-1')));
    const record = aReceiptRecord(2);

    // Act
    const outcome = handle(record);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(AttemptNotFoundError);
    expect(queue.visibility).toEqual([{ receiptHandle: record.receiptHandle, seconds: 10 }]);
    expect(telemetry.count('ReceiptsNotYetCorrelated')).toBe(1);
  });

  it('sets an orphan aside on the orphans queue, not in the DLQ, counts it and acknowledges it', async () => {
    // Prepare
    const { queue, telemetry, handle } = setup(() => Promise.reject(new AttemptNotFoundError('m-1')));
    const record = aReceiptRecord(4);

    // Act
    const outcome = await handle(record);

    // Assess
    expect(outcome).toEqual({ outcome: 'orphaned' });
    expect(queue.orphans).toEqual([record]);
    expect(queue.parked).toEqual([]);
    expect(telemetry.count('OrphanReceipts')).toBe(1);
    expect(telemetry.count('ReceiptsParked{reason=orphan}')).toBe(0);
  });

  it('acknowledges a processed receipt without touching the queue', async () => {
    // Prepare
    const { queue, handle } = setup(() => Promise.resolve(RESULT));

    // Act
    const outcome = await handle(aReceiptRecord());

    // Assess
    expect(outcome).toEqual({ outcome: 'processed', result: RESULT });
    expect([queue.visibility, queue.parked, queue.orphans]).toEqual([[], [], []]);
  });
});

describe('receipt message handler, events of the secondary provider', () => {
  it('reads an EventBridge event of AWS End User Messaging SMS as a receipt, timed by when SQS took it', async () => {
    // Prepare
    const seen: unknown[] = [];
    const handle = createReceiptMessageHandler({
      processReceipt: async (receipt, context) => (seen.push({ receipt, context }), RESULT),
      queue: new FakeQueue(),
      orphanAfterReceives: 4,
      logger: { info: () => {}, warn: () => {} } as unknown as ProcessorTelemetry['logger'],
      metrics: recordingMetrics().metrics,
    });
    const record = anSqsRecord({
      body: JSON.stringify(anAwsSmsEvent({ reference: 'dlv-1#2', messageId: 'aws-1' })),
    });

    // Act
    const disposition = await handle({
      ...record,
      attributes: { ...record.attributes, SentTimestamp: '1759342842000' },
    });

    // Assess
    expect(disposition.outcome).toBe('processed');
    expect(seen).toEqual([
      {
        receipt: expect.objectContaining({ provider: 'aws-sms', messageId: 'aws-1', metadata: 'dlv-1#2' }),
        context: { receivedAt: '2025-10-01T18:20:42.000Z', claimId: record.messageId },
      },
    ]);
  });

  it('parks an aws.sms-voice event it cannot use, with the reason', async () => {
    // Prepare
    const { handle, queue } = setup(async () => RESULT);
    const event = { ...anAwsSmsEvent({}), 'detail-type': 'Registration Status Change' };

    // Act
    const disposition = await handle(anSqsRecord({ body: JSON.stringify(event) }));

    // Assess
    expect(disposition).toEqual({ outcome: 'parked', reason: 'not_a_delivery_report' });
    expect(queue.parked.map((p) => p.reason)).toEqual(['not_a_delivery_report']);
  });
});
