import type { SQSRecord } from 'aws-lambda';
import { AttemptNotFoundError, UnusableReceiptError } from '../shared/errors';
import type { ReceiptContext, ReceiptResult } from './process-receipt';
import { PROCESSOR_METRICS, count, type ProcessorTelemetry } from './processor-telemetry';
import type { ProcessorQueue } from './processor-queue';
import { decodeEnvelope } from './receipt-envelope';
import { parseDeliveryReceipt, type DeliveryReceipt } from './receipt-payload';

/**
 * What happens to one SQS message of the receipts queue. Returning acknowledges it (the batch
 * processor leaves it out of `batchItemFailures`); throwing reports it as a batch item failure, so SQS
 * delivers it again and, after `maxReceiveCount` receives, moves it to the DLQ.
 *
 * - Not an envelope, or a body that is no usable delivery report: parked in the DLQ with the reason and
 *   acknowledged. Retrying cannot fix it.
 * - No attempt matches (yet): retried soon (see {@link retryDelaySeconds}). **Orphan rule:** from the
 *   `orphanAfterReceives`-th receive on, a receipt that still matches no attempt is logged, counted
 *   (`OrphanReceipts`), parked with reason `orphan` and acknowledged. The threshold sits just below the
 *   queue's `maxReceiveCount`, so the orphan is parked by us, with a reason, rather than moved without
 *   one by the redrive policy; and one receive is left for a transient error on the last try.
 * - Any other error (DynamoDB or Step Functions throttling, network, access): thrown, so SQS retries it.
 */

export type MessageDisposition =
  | { readonly outcome: 'processed'; readonly result: ReceiptResult }
  | { readonly outcome: 'parked'; readonly reason: string }
  | { readonly outcome: 'orphaned' };

export interface ReceiptMessageHandlerDeps extends ProcessorTelemetry {
  readonly processReceipt: (receipt: DeliveryReceipt, context: ReceiptContext) => Promise<ReceiptResult>;
  readonly queue: ProcessorQueue;
  /** From this receive on, an uncorrelated receipt is an orphan. */
  readonly orphanAfterReceives: number;
}

const RETRY_BASE_SECONDS = 5;
const RETRY_MAX_SECONDS = 60;

/**
 * How long an uncorrelated receipt waits before its next try: 5 s, 10 s, 20 s, 40 s, then 60 s. The
 * usual cause, a receipt that overtook the send-sms write of the message id, resolves within seconds;
 * the queue's own 180 s visibility timeout would outlast the workflow's receipt timeout.
 */
export function retryDelaySeconds(receiveCount: number): number {
  return Math.min(RETRY_BASE_SECONDS * 2 ** Math.max(receiveCount - 1, 0), RETRY_MAX_SECONDS);
}

function receiveCountOf(record: SQSRecord): number {
  const count = Number(record.attributes?.ApproximateReceiveCount);
  return Number.isInteger(count) && count > 0 ? count : 1;
}

/**
 * Creates the record handler passed to Powertools' `processPartialResponse`.
 *
 * @example
 * const handleMessage = createReceiptMessageHandler({ processReceipt, queue, orphanAfterReceives: 4, logger, metrics });
 * await processPartialResponse(event, handleMessage, new BatchProcessor(EventType.SQS), { context });
 */
export function createReceiptMessageHandler(
  deps: ReceiptMessageHandlerDeps,
): (record: SQSRecord) => Promise<MessageDisposition> {
  const { processReceipt, queue, orphanAfterReceives, logger, metrics } = deps;

  const park = async (record: SQSRecord, reason: string): Promise<MessageDisposition> => {
    await queue.park(record, reason);
    // The body holds the phone number and metadata: log the reason and ids only.
    logger.warn('Receipt parked in the DLQ', { sqsMessageId: record.messageId, reason });
    count(metrics, PROCESSOR_METRICS.parked, { name: 'reason', value: reason });
    return { outcome: 'parked', reason };
  };

  return async function handleReceiptMessage(record) {
    const envelope = decodeEnvelope(record.body);
    if (!envelope) return park(record, 'not_an_envelope');

    let receipt: DeliveryReceipt;
    try {
      receipt = parseDeliveryReceipt(envelope.rawBody);
    } catch (error) {
      if (error instanceof UnusableReceiptError) return park(record, error.reason);
      throw error;
    }

    const logKeys = { sqsMessageId: record.messageId, messageId: receipt.messageId, status: receipt.status };
    try {
      const result = await processReceipt(receipt, {
        receivedAt: envelope.receivedAt,
        claimId: record.messageId,
      });
      logger.info('Receipt processed', {
        ...logKeys,
        deliveryId: result.deliveryId,
        attempt: result.attempt,
        correlatedBy: result.correlatedBy,
        duplicate: result.duplicate,
        attemptStatus: result.attemptStatus,
        failureClass: result.failureClass,
        callback: result.callback,
        late: result.late,
        lateSmsDelivered: result.lateSmsDelivered,
      });
      return { outcome: 'processed', result };
    } catch (error) {
      if (!(error instanceof AttemptNotFoundError)) {
        logger.warn('Receipt processing failed; SQS will retry it', { ...logKeys, error });
        count(metrics, PROCESSOR_METRICS.errors);
        throw error;
      }
      const receives = receiveCountOf(record);
      if (receives >= orphanAfterReceives) {
        logger.warn('Orphan receipt: no attempt matched after the configured receives', {
          ...logKeys,
          receives,
        });
        count(metrics, PROCESSOR_METRICS.orphans);
        await park(record, 'orphan');
        return { outcome: 'orphaned' };
      }
      const delay = retryDelaySeconds(receives);
      logger.info('No attempt matches the receipt yet; retrying', {
        ...logKeys,
        receives,
        retryInSeconds: delay,
      });
      count(metrics, PROCESSOR_METRICS.uncorrelated);
      // Best effort: if this fails, the queue's visibility timeout still brings the message back.
      await queue
        .retryAfter(record, delay)
        .catch((visibilityError: unknown) =>
          logger.warn('Could not shorten the retry delay', { ...logKeys, error: visibilityError }),
        );
      throw error;
    }
  };
}
