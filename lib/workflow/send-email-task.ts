import type { AttemptRepository } from '../table/attempt-repository';
import type { DeliveryMetaItem } from '../table/delivery-model';
import { DeliveryExpiredError, EmailRejectedError, NotFoundError } from '../shared/errors';
import type { EmailSender } from './email-sender';
import type { AppLogger } from '../shared/observability';
import type { SendEmailPayload } from './task-contract';

/**
 * The `SendEmail` task: the fallback when SMS could not be delivered in time. Never sends a code that has
 * expired, and never sends the same fallback twice when Step Functions retries the task after a send.
 */

export interface SendEmailTaskDeps {
  readonly deliveries: { getMeta(deliveryId: string): Promise<DeliveryMetaItem | undefined> };
  readonly attempts: Pick<AttemptRepository, 'getAttempt' | 'putEmailAttempt'>;
  readonly mailer: EmailSender;
  readonly now: () => Date;
  readonly logger: Pick<AppLogger, 'info' | 'warn'>;
}

export interface SendEmailTaskResult {
  readonly deliveryId: string;
  readonly attempt: number;
  /** SES MessageId. */
  readonly messageId: string;
  readonly alreadySent: boolean;
}

/**
 * Sends the fallback email of a delivery and records it as attempt `payload.attempt` (channel EMAIL).
 *
 * @throws {DeliveryExpiredError} when the code has expired
 * @throws {EmailUnavailableError} when SES throttled or failed (the state retries)
 * @throws {EmailRejectedError} when SES refused the email, or the delivery has no email address
 */
export async function sendEmailTask(
  payload: SendEmailPayload,
  deps: SendEmailTaskDeps,
): Promise<SendEmailTaskResult> {
  const { deliveryId, attempt } = payload;
  const meta = await deps.deliveries.getMeta(deliveryId);
  if (!meta) throw new NotFoundError(`Delivery ${deliveryId} has no META item`);
  if (!meta.email)
    throw new EmailRejectedError(`Delivery ${deliveryId} has no email address to fall back to`);

  const now = deps.now();
  if (Date.parse(meta.expiresAt) <= now.getTime()) throw new DeliveryExpiredError(deliveryId, meta.expiresAt);

  // SES has no idempotency key. Checking first narrows a duplicate to the rare case where the Lambda is lost
  // between SES accepting the email and the item being written.
  const existing = await deps.attempts.getAttempt(deliveryId, attempt);
  if (existing?.channel === 'EMAIL' && existing.messageId) {
    deps.logger.info('Fallback email already sent; not sending it again', { deliveryId, attempt });
    return { deliveryId, attempt, messageId: existing.messageId, alreadySent: true };
  }

  const { messageId } = await deps.mailer.send(meta.email);
  const recorded = await deps.attempts.putEmailAttempt({
    deliveryId,
    attempt,
    messageId,
    sentAt: now.toISOString(),
    ttl: meta.ttl,
  });
  if (!recorded)
    deps.logger.warn('An attempt item already existed for the fallback email', { deliveryId, attempt });
  deps.logger.info('Fallback email sent', { deliveryId, attempt, messageId });
  return { deliveryId, attempt, messageId, alreadySent: false };
}
