import type { AttemptRepository } from '../table/attempt-repository';
import { formatMessageMetadata, type DeliveryMetaItem } from '../table/delivery-model';
import {
  ConfigError,
  DeliveryExpiredError,
  NotFoundError,
  SinchUnavailableError,
  isSmsSendError,
  isSmsSendRefusal,
} from '../shared/errors';
import type { AppLogger } from '../shared/observability';
import {
  PRIMARY_SMS_PROVIDER,
  SMS_PROVIDER_NAMES,
  type SecondarySmsProviderId,
  type SmsProviderId,
} from '../shared/sms-providers';
import type { BreakerStep, PrimaryBreaker } from './provider-breaker';
import type { SmsProvider, SmsSendAccepted } from './sms-provider';
import type { SendSmsPayload } from './task-contract';

/**
 * The `SendSms` task: one SMS attempt of a delivery, through the provider the workflow chose (`provider`
 * in the payload) or, for a first attempt, the primary unless the stage's breaker has it open. The state
 * waits (`.waitForTaskToken`) until the receipt processor completes the token stored here, or the receipt
 * window times out.
 *
 * Order matters: the attempt item (with the token and the provider) is written before the provider is
 * called, so a delivery report that arrives within milliseconds of the send always finds its attempt, its
 * token, and who sent it.
 */

export interface SendSmsTaskDeps {
  readonly deliveries: { getMeta(deliveryId: string): Promise<DeliveryMetaItem | undefined> };
  readonly attempts: Pick<
    AttemptRepository,
    'startSmsAttempt' | 'setMessageId' | 'noteSendFailure' | 'noteUnconfirmedSend' | 'getAttempt'
  >;
  /** The providers this stage sends through: always the primary, and the secondary when it has one. */
  readonly providers: Partial<Record<SmsProviderId, SmsProvider>>;
  /** The stage's secondary and the breaker on the primary, when the stage has a secondary. */
  readonly failover?: { readonly secondary: SecondarySmsProviderId; readonly breaker: PrimaryBreaker };
  readonly now: () => Date;
  readonly logger: Pick<AppLogger, 'info' | 'warn'>;
  /** Told of each change of the breaker's status, for the metric. */
  readonly onBreakerTransition?: (step: BreakerStep) => void;
}

export interface SendSmsTaskResult {
  readonly deliveryId: string;
  readonly attempt: number;
  /** The provider's id for the message; absent when its send went unanswered. */
  readonly messageId?: string;
  /** Who took the message, or may have. */
  readonly provider: SmsProviderId;
  /**
   * True when Step Functions retried this attempt and an earlier try had already sent it (accepted, or
   * unanswered): nothing was re-sent.
   */
  readonly alreadySent: boolean;
  /**
   * True when the send went out and no answer came back: the provider may have the message. The attempt
   * waits for its report like any other, and the receipt window ends it if none comes.
   */
  readonly unconfirmed: boolean;
}

/**
 * Sends attempt `payload.attempt` of a delivery.
 *
 * @throws {DeliveryExpiredError} when the code has expired (nothing is written or sent)
 * @throws {SinchUnavailableError} / {AwsSmsUnavailableError} when the provider could not take the message (the state retries)
 * @throws {SinchRejectedError} / {AwsSmsRejectedError} when the provider refused it (failover or email)
 */
export async function sendSmsTask(
  payload: SendSmsPayload,
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
    provider: payload.provider ?? (await firstAttemptProvider(deps, deliveryId, attempt)),
    sentAt: now.toISOString(),
    ttl: meta.ttl,
  });
  const { provider } = started;
  const logKeys = { deliveryId, attempt, provider };
  if (started.messageId || started.unconfirmedAt) {
    // A retry of an attempt an earlier try already sent (e.g. the Lambda was lost after the send). Sending
    // again would deliver the code twice; the refreshed token is enough for the processor to wake this entry.
    deps.logger.info('SMS attempt already sent; waiting with the new task token', logKeys);
    return {
      deliveryId,
      attempt,
      ...(started.messageId && { messageId: started.messageId }),
      provider,
      alreadySent: true,
      unconfirmed: started.messageId === undefined,
    };
  }

  const sender = deps.providers[provider];
  if (!sender) {
    throw new ConfigError(
      `Attempt ${attempt} is for ${SMS_PROVIDER_NAMES[provider]}, which this stage does not configure`,
    );
  }

  let accepted: SmsSendAccepted;
  try {
    accepted = await sender.send({
      to: meta.to,
      text: meta.text,
      reference: formatMessageMetadata(deliveryId, attempt),
      ttlSeconds: secondsLeft,
    });
  } catch (error) {
    if (error instanceof SinchUnavailableError && error.mayHaveBeenAccepted) {
      await notePrimary(deps, provider, 'failure');
      return waitUnconfirmed(deps, { ...logKeys, reason: error.message });
    }
    if (isSmsSendError(error)) {
      deps.logger.warn('SMS not accepted by the provider', { ...logKeys, error: error.name });
      await notePrimary(deps, provider, 'failure');
      // The note is for support staff; failing to write it must not replace the error the workflow acts on.
      await deps.attempts
        .noteSendFailure(deliveryId, attempt, {
          reason: error.message,
          at: deps.now().toISOString(),
          ...(isSmsSendRefusal(error) && { failureClass: 'Config' as const }),
        })
        .catch((noteError: unknown) =>
          deps.logger.warn('Could not note the send failure on the attempt', {
            ...logKeys,
            error: noteError instanceof Error ? noteError.name : 'unknown',
          }),
        );
    }
    throw error;
  }
  await notePrimary(deps, provider, 'success');

  // Receipts are correlated by our reference first; the message id is the fallback (and, for the
  // secondary's events, the proof). Once the provider has the message, losing this write must not fail the
  // attempt (the code is on its way): it is logged instead.
  await deps.attempts.setMessageId(deliveryId, attempt, accepted.messageId).catch((error: unknown) =>
    deps.logger.warn('Could not store the message id on the attempt', {
      ...logKeys,
      error: error instanceof Error ? error.name : 'unknown',
    }),
  );
  deps.logger.info('SMS accepted by the provider', { ...logKeys, messageId: accepted.messageId });
  return {
    deliveryId,
    attempt,
    messageId: accepted.messageId,
    provider,
    alreadySent: false,
    unconfirmed: false,
  };
}

/**
 * A send that went out and got no answer (it timed out, or the connection dropped): the provider may have
 * taken the message, and a Step Functions retry would send it a second time. So the attempt is noted as
 * unconfirmed and waits for its report: the report is correlated by our reference, which needs no message
 * id, and if the provider never took the message the receipt window ends the attempt as silence, and the
 * next one is decided as after any other. One attempt never becomes two SMS.
 */
async function waitUnconfirmed(
  deps: SendSmsTaskDeps,
  keys: { deliveryId: string; attempt: number; provider: SmsProviderId; reason: string },
): Promise<SendSmsTaskResult> {
  const { deliveryId, attempt, provider, reason } = keys;
  deps.logger.warn('SMS send unanswered; waiting for a report instead of sending again', {
    deliveryId,
    attempt,
    provider,
    reason,
  });
  // The note keeps a later retry of this task (the Lambda lost after this) from sending again. If it cannot
  // be written, the attempt still waits: throwing instead would make the state machine's Retry send again
  // for certain.
  await deps.attempts
    .noteUnconfirmedSend(deliveryId, attempt, {
      reason: `${reason}; the provider may have taken it: waiting for its report, not sending again`,
      at: deps.now().toISOString(),
    })
    .catch((error: unknown) =>
      deps.logger.warn('Could not note the unanswered send on the attempt', {
        deliveryId,
        attempt,
        provider,
        error: error instanceof Error ? error.name : 'unknown',
      }),
    );
  return { deliveryId, attempt, provider, alreadySent: false, unconfirmed: true };
}

/**
 * The provider of a first attempt: the primary, unless the stage has a secondary and the breaker has the
 * primary open. A breaker that cannot be read routes to the primary: the breaker only ever shortens an
 * outage, and the failover table still moves the next attempt if the primary fails.
 */
async function firstAttemptProvider(
  deps: SendSmsTaskDeps,
  deliveryId: string,
  attempt: number,
): Promise<SmsProviderId> {
  if (!deps.failover) return PRIMARY_SMS_PROVIDER;
  try {
    // A Step Functions retry of the attempt keeps its provider anyway; asking the breaker again could
    // claim a half-open probe that this attempt would never make.
    const existing = await deps.attempts.getAttempt(deliveryId, attempt);
    if (existing?.provider !== undefined) return existing.provider;
    const step = await deps.failover.breaker.routeFirstAttempt();
    deps.onBreakerTransition?.(step);
    if (step.probe) deps.logger.info('Breaker half-open: this delivery probes the primary', { deliveryId });
    return step.route === 'secondary' ? deps.failover.secondary : PRIMARY_SMS_PROVIDER;
  } catch (error) {
    deps.logger.warn('Could not read the breaker; sending through the primary', {
      deliveryId,
      error: error instanceof Error ? error.name : 'unknown',
    });
    return PRIMARY_SMS_PROVIDER;
  }
}

/** Tells the breaker how the primary did; never fails the send. */
async function notePrimary(
  deps: SendSmsTaskDeps,
  provider: SmsProviderId,
  how: 'success' | 'failure',
): Promise<void> {
  if (!deps.failover || provider !== PRIMARY_SMS_PROVIDER) return;
  try {
    const { breaker } = deps.failover;
    const step = await (how === 'success' ? breaker.recordSuccess() : breaker.recordFailure());
    deps.onBreakerTransition?.(step);
  } catch (error) {
    deps.logger.warn('Could not update the breaker', {
      error: error instanceof Error ? error.name : 'unknown',
    });
  }
}
