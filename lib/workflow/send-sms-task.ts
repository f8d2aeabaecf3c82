import type { AttemptRepository } from '../table/attempt-repository';
import { formatMessageMetadata, type DeliveryMetaItem } from '../table/delivery-model';
import {
  DeliveryExpiredError,
  NotFoundError,
  SinchRejectedError,
  SinchUnavailableError,
} from '../shared/errors';
import type { AppLogger } from '../shared/observability';
import type { SinchAccepted, SinchClient, SinchCredentials } from './sinch-client';
import type { SendSmsPayload } from './task-contract';

/**
 * The `SendSms` task: one SMS attempt of a delivery. The state waits (`.waitForTaskToken`) until the
 * receipt processor completes the token stored here, or the receipt window times out.
 *
 * Order matters: the attempt item (with the token) is written before Sinch is called, so a delivery
 * report that arrives within milliseconds of the send always finds its attempt and its token.
 */

export interface SendSmsTaskDeps {
  readonly deliveries: { getMeta(deliveryId: string): Promise<DeliveryMetaItem | undefined> };
  readonly attempts: Pick<AttemptRepository, 'startSmsAttempt' | 'setMessageId' | 'noteSendFailure'>;
  readonly sinch: SinchClient;
  /** `channel_properties.SMS_SENDER`, when the stage configures one. */
  readonly sender?: string;
  readonly now: () => Date;
  readonly logger: Pick<AppLogger, 'info' | 'warn'>;
}

export interface SendSmsTaskResult {
  readonly deliveryId: string;
  readonly attempt: number;
  readonly messageId: string;
  /** True when Step Functions retried this attempt and Sinch had already accepted it: nothing was re-sent. */
  readonly alreadySent: boolean;
}

/**
 * Sends attempt `payload.attempt` of a delivery.
 *
 * @throws {DeliveryExpiredError} when the code has expired (nothing is written or sent)
 * @throws {SinchUnavailableError} when Sinch could not take the message (the state retries)
 * @throws {SinchRejectedError} when Sinch refused it (the workflow falls back to email)
 */
export async function sendSmsTask(
  payload: SendSmsPayload,
  credentials: SinchCredentials,
  deps: SendSmsTaskDeps,
): Promise<SendSmsTaskResult> {
  const { deliveryId, attempt, taskToken } = payload;
  const meta = await deps.deliveries.getMeta(deliveryId);
  if (!meta) throw new NotFoundError(`Delivery ${deliveryId} has no META item`);

  const now = deps.now();
  const secondsLeft = Math.floor((Date.parse(meta.expiresAt) - now.getTime()) / 1000);
  if (secondsLeft <= 0) throw new DeliveryExpiredError(deliveryId, meta.expiresAt);

  const started = await deps.attempts.startSmsAttempt({
    deliveryId,
    attempt,
    taskToken,
    sentAt: now.toISOString(),
    ttl: meta.ttl,
  });
  if (started.messageId) {
    // A retry of an attempt Sinch already took (e.g. the Lambda was lost after the send). Sending again
    // would deliver the code twice; the refreshed token is enough for the processor to wake this entry.
    deps.logger.info('SMS attempt already accepted by Sinch; waiting with the new task token', {
      deliveryId,
      attempt,
    });
    return { deliveryId, attempt, messageId: started.messageId, alreadySent: true };
  }

  let accepted: SinchAccepted;
  try {
    accepted = await deps.sinch.sendSms(
      {
        to: meta.to,
        text: meta.text,
        metadata: formatMessageMetadata(deliveryId, attempt),
        ttlSeconds: secondsLeft,
        sender: deps.sender,
      },
      credentials,
    );
  } catch (error) {
    if (error instanceof SinchRejectedError || error instanceof SinchUnavailableError) {
      deps.logger.warn('SMS not accepted by Sinch', {
        deliveryId,
        attempt,
        error: error.name,
        httpStatus: error.httpStatus,
      });
      // The note is for support staff; failing to write it must not replace the error the workflow acts on.
      await deps.attempts
        .noteSendFailure(deliveryId, attempt, {
          reason: error.message,
          at: deps.now().toISOString(),
          ...(error instanceof SinchRejectedError && { failureClass: 'Config' as const }),
        })
        .catch((noteError: unknown) =>
          deps.logger.warn('Could not note the send failure on the attempt', {
            deliveryId,
            attempt,
            error: noteError instanceof Error ? noteError.name : 'unknown',
          }),
        );
    }
    throw error;
  }

  // Receipts are correlated by `message_metadata` first; the message id is the fallback. Once Sinch has the
  // message, losing this write must not fail the attempt (the code is on its way): it is logged instead.
  await deps.attempts.setMessageId(deliveryId, attempt, accepted.messageId).catch((error: unknown) =>
    deps.logger.warn('Could not store the Sinch message id on the attempt', {
      deliveryId,
      attempt,
      error: error instanceof Error ? error.name : 'unknown',
    }),
  );
  deps.logger.info('SMS accepted by Sinch', { deliveryId, attempt, messageId: accepted.messageId });
  return { deliveryId, attempt, messageId: accepted.messageId, alreadySent: false };
}
