import type { SQSRecord } from 'aws-lambda';
import { AttemptNotFoundError, UnusableReceiptError } from '../shared/errors';
import type { ReceiptContext, ReceiptResult } from './process-receipt';
import { PROCESSOR_METRICS, count, type ProcessorTelemetry } from './processor-telemetry';
import type { ProcessorQueue } from './processor-queue';
import { isAwsSmsEvent, parseAwsSmsEvent } from './aws-sms-events';
import { readEnvelope } from './receipt-envelope';
import { parseDeliveryReceipt, type DeliveryReceipt } from './receipt-payload';
import { TRANSIENT_RETRY, UNCORRELATED_RETRY, isTransientError, retryDelaySeconds } from './retry-policy';

/**
 * What happens to one SQS message of the receipts queue. Returning acknowledges it (the batch
 * processor leaves it out of `batchItemFailures`); throwing reports it as a batch item failure, so SQS
 * delivers it again and, after `maxReceiveCount` receives, moves it to the DLQ.
 *
 * - Not an envelope, or a body that is no usable delivery report: parked in the DLQ with the reason and
 *   acknowledged. Retrying cannot fix it.
 * - No attempt matches (yet): retried soon (`UNCORRELATED_RETRY`). **Orphan rule:** from the
 *   `orphanAfterReceives`-th receive on, a receipt that still matches no attempt is logged, counted
 *   (`OrphanReceipts`), set aside on the orphans queue with reason `orphan` and acknowledged. The threshold
 *   sits just below the queue's `maxReceiveCount`, so the orphan is set aside by us, with a reason, rather
 *   than moved to the DLQ without one by the redrive policy; and one receive is left for a transient error
 *   on the last try. Orphans stay out of the DLQ, whose alarm means "a report we could not use".
 * - A transient error (DynamoDB or Step Functions throttling, a 5xx, the network): thrown, so SQS retries
 *   it, after a short jittered back-off (`TRANSIENT_RETRY`) instead of the 180 s visibility timeout.
 * - Any other error (access denied, a bug): thrown, and retried after the visibility timeout.
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
  /** A value in [0, 1) for the jitter of transient retries; `Math.random` unless a test fixes it. */
  readonly random?: () => number;
}

/** The parsed body when it is an EventBridge event of AWS End User Messaging SMS; else `undefined`. */
function awsSmsEventOf(body: string): unknown {
  if (!body.includes('"aws.sms-voice"')) return undefined;
  try {
    const json: unknown = JSON.parse(body);
    return isAwsSmsEvent(json) ? json : undefined;
  } catch {
    return undefined;
  }
}

/** When SQS took the message: stands in for the webhook's receipt time for an event. */
function sentAt(record: SQSRecord): string {
  const epochMs = Number(record.attributes?.SentTimestamp);
  return new Date(Number.isFinite(epochMs) && epochMs > 0 ? epochMs : Date.now()).toISOString();
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
  const random = deps.random ?? Math.random;

  const park = async (record: SQSRecord, reason: string): Promise<MessageDisposition> => {
    await queue.park(record, reason);
    // The body holds the phone number and metadata: log the reason and ids only.
    logger.warn('Receipt parked in the DLQ', { sqsMessageId: record.messageId, reason });
    count(metrics, PROCESSOR_METRICS.parked, { name: 'reason', value: reason });
    return { outcome: 'parked', reason };
  };

  // Best effort: if this fails, the record is still reported as failed, and the queue's visibility timeout
  // brings it back later. Nothing is lost either way.
  const retryAfter = async (record: SQSRecord, seconds: number, logKeys: object): Promise<void> => {
    await queue
      .retryAfter(record, seconds)
      .catch((visibilityError: unknown) =>
        logger.warn('Could not shorten the retry delay', { ...logKeys, error: visibilityError }),
      );
  };

  /**
   * The receipt a queue message carries: a Sinch report in the ingress's envelope, or an event of the
   * secondary provider exactly as the stage's EventBridge rule delivers it (the event JSON as the body).
   */
  const readReceipt = (
    record: SQSRecord,
  ): { receipt: DeliveryReceipt; receivedAt: string } | { parkedReason: string } => {
    const event = awsSmsEventOf(record.body);
    try {
      if (event !== undefined) return { receipt: parseAwsSmsEvent(event), receivedAt: sentAt(record) };
      // The digest proves the body is, byte for byte, what the ingress verified; anything else is kept.
      const { envelope, problem } = readEnvelope(record.body);
      if (!envelope) return { parkedReason: problem };
      return { receipt: parseDeliveryReceipt(envelope.rawBody), receivedAt: envelope.receivedAt };
    } catch (error) {
      if (error instanceof UnusableReceiptError) return { parkedReason: error.reason };
      throw error;
    }
  };

  return async function handleReceiptMessage(record) {
    const read = readReceipt(record);
    if ('parkedReason' in read) return park(record, read.parkedReason);
    const { receipt, receivedAt } = read;

    const logKeys = {
      sqsMessageId: record.messageId,
      provider: receipt.provider,
      messageId: receipt.messageId,
      status: receipt.status,
    };
    try {
      const result = await processReceipt(receipt, {
        receivedAt,
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
      const receives = receiveCountOf(record);
      if (!(error instanceof AttemptNotFoundError)) {
        const delay = isTransientError(error)
          ? retryDelaySeconds(receives, TRANSIENT_RETRY, random)
          : undefined;
        logger.warn('Receipt processing failed; SQS will retry it', {
          ...logKeys,
          receives,
          ...(delay !== undefined && { retryInSeconds: delay }),
          error,
        });
        count(metrics, PROCESSOR_METRICS.errors);
        if (delay !== undefined) await retryAfter(record, delay, logKeys);
        throw error;
      }
      if (receives >= orphanAfterReceives) {
        await queue.setAsideOrphan(record);
        logger.warn('Orphan receipt: no attempt matched after the configured receives; set aside', {
          ...logKeys,
          receives,
        });
        count(metrics, PROCESSOR_METRICS.orphans);
        return { outcome: 'orphaned' };
      }
      const delay = retryDelaySeconds(receives, UNCORRELATED_RETRY);
      logger.info('No attempt matches the receipt yet; retrying', {
        ...logKeys,
        receives,
        retryInSeconds: delay,
      });
      count(metrics, PROCESSOR_METRICS.uncorrelated);
      await retryAfter(record, delay, logKeys);
      throw error;
    }
  };
}
