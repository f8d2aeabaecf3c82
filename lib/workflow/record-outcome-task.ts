import type { AttemptItem, Outcome } from '../table/delivery-model';
import { providerOf } from '../shared/sms-providers';
import type { AppLogger } from '../shared/observability';
import type { OutcomeRepository } from '../table/outcome-repository';
import type { OutcomeEventSender } from './outcome-event-sender';
import type { DeliveryOutcomeDetail, FinalResult, RecordOutcomePayload } from './task-contract';

/**
 * The `RecordOutcome` task: turns the path the workflow ended on into the delivery's one outcome, stores it
 * on `META` (first outcome wins), puts the `DeliveryOutcome` event and returns the event's detail.
 */

export interface RecordOutcomeTaskDeps {
  readonly outcomes: OutcomeRepository;
  readonly events: OutcomeEventSender;
  /** Read for who sent each SMS attempt: the send path stores the provider it actually used. */
  readonly attempts: { listAttempts(deliveryId: string): Promise<AttemptItem[]> };
  readonly stage: string;
  readonly now: () => Date;
  readonly logger: Pick<AppLogger, 'info' | 'warn'>;
}

/** A delivery on the first SMS is `DELIVERED`; one that needed a resend is `DELIVERED_AFTER_RESEND`. */
export function outcomeOf(result: FinalResult, attempt: number): Outcome {
  return result === 'DELIVERED' && attempt > 1 ? 'DELIVERED_AFTER_RESEND' : result;
}

/**
 * Records the outcome, then publishes it. The order is what makes a retry safe: a retried task finds the
 * outcome recorded and publishes that one, so the event never names an outcome `META` does not hold.
 * `lastSmsFailure` is the workflow's summary of the last failure
 * Sinch reported (`null` when none), passed on as it is: it holds a class, a reason code and a flag, never
 * the number.
 *
 * @example
 * await recordOutcomeTask({ deliveryId: 'd-1', outcome: 'DELIVERED', attempt: 2, failures: ['States.Timeout'] }, deps);
 * // { deliveryId: 'd-1', outcome: 'DELIVERED_AFTER_RESEND', smsAttempts: 2, emailSent: false, … }
 */
export async function recordOutcomeTask(
  payload: RecordOutcomePayload,
  deps: RecordOutcomeTaskDeps,
): Promise<DeliveryOutcomeDetail> {
  const outcome = outcomeOf(payload.outcome, payload.attempt);
  const recorded = await deps.outcomes.record({
    deliveryId: payload.deliveryId,
    outcome,
    outcomeAt: deps.now().toISOString(),
    attempts: payload.attempt,
  });
  if (!recorded.recordedNow && recorded.outcome !== outcome) {
    deps.logger.warn('An earlier outcome was already recorded; keeping it', {
      deliveryId: payload.deliveryId,
      recorded: recorded.outcome,
      ignored: outcome,
    });
  }
  const attempts = await deps.attempts.listAttempts(payload.deliveryId);
  const finalOutcome = recorded.outcome ?? outcome;
  const outcomeAt = recorded.outcomeAt ?? deps.now().toISOString();
  const detail: DeliveryOutcomeDetail = {
    deliveryId: payload.deliveryId,
    stage: deps.stage,
    outcome: finalOutcome,
    smsAttempts: recorded.attempts ?? payload.attempt,
    emailSent: finalOutcome === 'EMAIL_SENT',
    failureClasses: payload.failures,
    smsProviders: attempts
      .filter((item) => item.channel === 'SMS')
      .sort((a, b) => a.attempt - b.attempt)
      .map(providerOf),
    lastSmsFailure: payload.lastSmsFailure,
    createdAt: recorded.createdAt,
    expiresAt: recorded.expiresAt,
    outcomeAt,
    secondsToOutcome: Math.max(
      0,
      Math.round((Date.parse(outcomeAt) - Date.parse(recorded.createdAt)) / 1000),
    ),
  };
  await deps.events.send(detail);
  deps.logger.info('Delivery outcome recorded', {
    deliveryId: detail.deliveryId,
    outcome: detail.outcome,
    smsAttempts: detail.smsAttempts,
    recipientInvalid: detail.lastSmsFailure?.recipientInvalid ?? false,
  });
  return detail;
}
