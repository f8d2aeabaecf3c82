import type { ReceiptEntry, SmsDeliveredResult, SmsFailureCause } from '../table/delivery-model';
import { AttemptNotFoundError, type FailureClass } from '../shared/errors';
import { PROCESSOR_METRICS, count, type ProcessorTelemetry } from './processor-telemetry';
import { classifyReceipt, receiptBelongsTo } from './provider-events';
import type { Classification } from './reason-classifier';
import type { DeliveryReceipt } from './receipt-payload';
import type {
  AttemptRef,
  FoundAttempt,
  ReceiptRecorder,
  RecordedAttempt,
  StatusChange,
} from './receipt-recorder';
import { meaningOf, type CallbackKind } from './status-rules';
import type { CallbackResult, WorkflowCallbacks } from './workflow-callbacks';

/**
 * The receipt processor's core: one parsed delivery report in, one attempt updated and, when the report
 * is final, the workflow woken. It knows nothing of SQS; the record handler around it decides what a
 * thrown error means for the message (retry, orphan, park).
 *
 * Steps: correlate → append once and move the status forward → (final only) claim the callback → call
 * Step Functions → record lateness → mark the callback done. Every step is idempotent, so a redelivery
 * after a crash at any point converges on the same item and on at most one effective callback.
 */

export interface ReceiptProcessorDeps extends ProcessorTelemetry {
  readonly recorder: ReceiptRecorder;
  readonly callbacks: WorkflowCallbacks;
  readonly now: () => Date;
}

/** Where this copy of the receipt came from. */
export interface ReceiptContext {
  /** When the ingress accepted the webhook; stands in for a missing `event_time`. */
  readonly receivedAt: string;
  /** The SQS message id: identifies this copy of the receipt when it claims the callback. */
  readonly claimId: string;
}

/**
 * - `none`: not a final receipt; recorded only.
 * - `sent`: this receipt woke the workflow.
 * - `closed`: the task was no longer waiting when this receipt called back.
 * - `duplicate`: this same receipt (another copy of it, or an earlier run) has the callback.
 * - `superseded`: another final receipt of the attempt woke the workflow first.
 */
export type CallbackOutcome = 'none' | CallbackResult | 'duplicate' | 'superseded';

/** What processing one receipt did; logged by the record handler and asserted on by tests. */
export interface ReceiptResult {
  readonly deliveryId: string;
  readonly attempt: number;
  readonly correlatedBy: FoundAttempt['correlatedBy'];
  /** The entry was already on the attempt. */
  readonly duplicate: boolean;
  /** This receipt moved the attempt's status forward. */
  readonly advanced: boolean;
  /** The attempt's status after this receipt. */
  readonly attemptStatus: string;
  readonly failureClass?: FailureClass;
  readonly callback: CallbackOutcome;
  /** The receipt was final but the workflow had already moved on from its attempt. */
  readonly late: boolean;
  /** The receipt set `lateSmsDelivered` on the delivery. */
  readonly lateSmsDelivered: boolean;
}

type CallbackPart = Pick<ReceiptResult, 'callback' | 'late' | 'lateSmsDelivered'>;

function receiptEntry(
  receipt: DeliveryReceipt,
  receivedAt: string,
  classification: Classification | undefined,
): ReceiptEntry {
  // Only defined fields: an `undefined` would make the DynamoDB marshaller refuse the whole write.
  return {
    key: receipt.dedupeKey,
    status: receipt.status,
    ...(receipt.eventTime !== undefined && { eventTime: receipt.eventTime }),
    receivedAt,
    ...(receipt.reason?.code !== undefined && { reasonCode: receipt.reason.code }),
    ...(receipt.reason?.subCode !== undefined && { subCode: receipt.reason.subCode }),
    ...(receipt.reason?.description !== undefined && { description: receipt.reason.description }),
    ...(classification !== undefined && { failureClass: classification.failureClass }),
  };
}

function statusChange(
  receipt: DeliveryReceipt,
  receivedAt: string,
  classification: Classification | undefined,
): StatusChange | undefined {
  const { status } = meaningOf(receipt.status);
  if (status === undefined) return undefined;
  return {
    status,
    statusAt: receipt.eventTime ?? receivedAt,
    ...(status === 'FAILED' && {
      reason: receipt.reason?.code ?? 'UNKNOWN',
      ...(classification !== undefined && { failureClass: classification.failureClass }),
    }),
  };
}

/**
 * Creates the per-receipt core.
 *
 * @throws {AttemptNotFoundError} when no SMS attempt matches the receipt (yet).
 * @throws any DynamoDB or Step Functions error other than a closed task token, so the record is retried.
 *
 * @example
 * const processReceipt = createReceiptProcessor({ recorder, callbacks, logger, metrics, now: () => new Date() });
 * const result = await processReceipt(parseDeliveryReceipt(envelope.rawBody), {
 *   receivedAt: envelope.receivedAt,
 *   claimId: record.messageId,
 * });
 */
export function createReceiptProcessor(
  deps: ReceiptProcessorDeps,
): (receipt: DeliveryReceipt, context: ReceiptContext) => Promise<ReceiptResult> {
  const { recorder, callbacks, logger, metrics, now } = deps;

  const callBack = async (
    attempt: RecordedAttempt,
    receipt: DeliveryReceipt,
    kind: CallbackKind,
    classification: Classification | undefined,
    receivedAt: string,
  ): Promise<CallbackResult> => {
    const logKeys = {
      messageId: receipt.messageId,
      deliveryId: attempt.deliveryId,
      attempt: attempt.attempt,
    };
    if (attempt.taskToken === undefined) {
      logger.warn('Attempt has no task token; nothing to wake', logKeys);
      return 'closed';
    }
    if (kind === 'success') {
      const output: SmsDeliveredResult = {
        status: receipt.status === 'READ' ? 'READ' : 'DELIVERED',
        messageId: receipt.messageId,
        attempt: attempt.attempt,
        statusAt: receipt.eventTime ?? receivedAt,
      };
      return callbacks.succeed(attempt.taskToken, output);
    }
    const cause: SmsFailureCause = {
      reasonCode: receipt.reason?.code ?? 'UNKNOWN',
      ...(receipt.reason?.subCode !== undefined && { subCode: receipt.reason.subCode }),
      ...(receipt.reason?.description !== undefined && { description: receipt.reason.description }),
      messageId: receipt.messageId,
      attempt: attempt.attempt,
    };
    return callbacks.fail(attempt.taskToken, classification?.failureClass ?? 'Unknown', cause);
  };

  /**
   * Records that a final receipt did not wake the workflow, and whether that means a late delivery. The
   * entry's `late` mark is written last: once it is there, a redelivery knows everything else was done.
   */
  const recordLate = async (
    ref: AttemptRef,
    attempt: RecordedAttempt,
    receipt: DeliveryReceipt,
    deliveredAfterAll: boolean,
  ): Promise<boolean> => {
    const receipts = attempt.receipts ?? [];
    if (receipts.some((entry) => entry.key === receipt.dedupeKey && entry.late)) return deliveredAfterAll;
    if (deliveredAfterAll) {
      await recorder.flagLateSmsDelivered(ref.deliveryId);
      count(metrics, PROCESSOR_METRICS.lateSmsDelivered);
    }
    await recorder.markReceiptLate(ref, receipt.dedupeKey, receipts);
    count(metrics, PROCESSOR_METRICS.late);
    return deliveredAfterAll;
  };

  const wakeWorkflow = async (
    ref: AttemptRef,
    attempt: RecordedAttempt,
    receipt: DeliveryReceipt,
    kind: CallbackKind,
    classification: Classification | undefined,
    { claimId, receivedAt }: ReceiptContext,
  ): Promise<CallbackPart> => {
    const claim = await recorder.claimCallback(ref, {
      claimId,
      receiptKey: receipt.dedupeKey,
      kind,
      now: now(),
    });

    if (claim.outcome === 'held') {
      const { holder } = claim;
      if (holder.claimId === claimId || holder.receiptKey === receipt.dedupeKey) {
        return { callback: 'duplicate', late: false, lateSmsDelivered: false };
      }
      // Another final receipt of this attempt has the callback. If it reported a failure, the workflow
      // resends or emails, and this delivery is news it will never hear: flag it on the delivery.
      const lateSmsDelivered = await recordLate(
        ref,
        attempt,
        receipt,
        kind === 'success' && holder.kind === 'failure',
      );
      return { callback: 'superseded', late: true, lateSmsDelivered };
    }

    let result: CallbackResult;
    try {
      result = await callBack(attempt, receipt, kind, classification, receivedAt);
    } catch (error) {
      // Give the claim back, so the retry of this message claims afresh and can tell "late" from "our
      // own earlier call landed" (see `resumed` in ClaimResult).
      await recorder.releaseCallback(ref, claimId).catch((releaseError: unknown) =>
        logger.warn('Could not release the callback claim; its redelivery resumes it', {
          messageId: receipt.messageId,
          deliveryId: ref.deliveryId,
          attempt: ref.attempt,
          error: releaseError,
        }),
      );
      throw error;
    }

    let late = false;
    let lateSmsDelivered = false;
    if (result === 'sent') {
      count(metrics, PROCESSOR_METRICS.callbacks);
    } else if (claim.outcome === 'claimed') {
      late = true;
      lateSmsDelivered = await recordLate(ref, attempt, receipt, kind === 'success');
    } else {
      logger.info('Resumed callback found the task closed; assuming the earlier call completed it', {
        messageId: receipt.messageId,
        deliveryId: ref.deliveryId,
        attempt: ref.attempt,
      });
    }
    await recorder.completeCallback(ref, claimId, result, now());
    return { callback: result, late, lateSmsDelivered };
  };

  return async function processReceipt(receipt, context) {
    const found = await recorder.findAttempt(receipt);
    if (!found || !receiptBelongsTo(receipt, found.attempt))
      throw new AttemptNotFoundError(receipt.messageId);
    const ref: AttemptRef = { deliveryId: found.attempt.deliveryId, attempt: found.attempt.attempt };

    const meaning = meaningOf(receipt.status);
    // SWITCHING_CHANNEL carries a reason too; its class is kept on the entry for support.
    const classification =
      receipt.status === 'FAILED' || receipt.reason !== undefined ? classifyReceipt(receipt) : undefined;
    const { appended, advanced, attempt } = await recorder.appendReceipt(
      ref,
      receipt.messageId,
      receiptEntry(receipt, context.receivedAt, classification),
      statusChange(receipt, context.receivedAt, classification),
    );

    if (appended) {
      count(metrics, PROCESSOR_METRICS.recorded, { name: 'status', value: receipt.status });
      if (receipt.status === 'FAILED' && classification) {
        count(metrics, PROCESSOR_METRICS.failures, { name: 'class', value: classification.failureClass });
      }
    } else {
      count(metrics, PROCESSOR_METRICS.duplicates);
    }

    const outcome: CallbackPart = meaning.callback
      ? await wakeWorkflow(ref, attempt, receipt, meaning.callback, classification, context)
      : { callback: 'none', late: false, lateSmsDelivered: false };

    return {
      ...ref,
      correlatedBy: found.correlatedBy,
      duplicate: !appended,
      advanced,
      attemptStatus: attempt.status,
      ...(receipt.status === 'FAILED' && classification && { failureClass: classification.failureClass }),
      ...outcome,
    };
  };
}
