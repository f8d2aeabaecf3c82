import type { DeliveryMetaItem } from '../table/delivery-model';
import { NotFoundError } from '../shared/errors';
import { decideNextStep } from './next-step-policy';
import type { DecideNextPayload, WorkflowState } from './task-contract';

/**
 * The `DecideNextStep` task: applies {@link decideNextStep} at the current time and returns the next
 * workflow state. It reads the `META` item only to learn whether an email address exists; the address
 * stays in the table, the workflow sees a boolean at most.
 */

export interface DecideNextTaskDeps {
  readonly deliveries: { getMeta(deliveryId: string): Promise<DeliveryMetaItem | undefined> };
  readonly now: () => Date;
}

/**
 * Records the failure in the state's history and decides what happens next. For `RESEND`, `attempt` moves
 * on to the number of the SMS about to be sent; otherwise it stays the number of the last one sent.
 *
 * @example
 * await decideNextTask({ ...state, failure: 'States.Timeout' }, deps);
 * // { ...state, attempt: 2, failures: ['States.Timeout'],
 * //   decision: { action: 'RESEND', waitSeconds: 10, reason: 'SMS attempt 1 got no delivery report …' } }
 */
export async function decideNextTask(
  payload: DecideNextPayload,
  deps: DecideNextTaskDeps,
): Promise<WorkflowState> {
  const meta = await deps.deliveries.getMeta(payload.deliveryId);
  if (!meta) throw new NotFoundError(`Delivery ${payload.deliveryId} has no META item`);

  const decision = decideNextStep({
    failure: payload.failure,
    attempt: payload.attempt,
    policy: payload.policy,
    expiresAt: payload.expiresAt,
    now: deps.now(),
    hasEmail: meta.email !== undefined,
  });
  return {
    deliveryId: payload.deliveryId,
    expiresAt: payload.expiresAt,
    policy: payload.policy,
    attempt: decision.action === 'RESEND' ? payload.attempt + 1 : payload.attempt,
    failures: [...payload.failures, payload.failure],
    decision,
  };
}
