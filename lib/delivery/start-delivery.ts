import { ConflictError } from '../shared/errors';
import type { AppLogger } from '../shared/observability';
import type { DeliveryRepository } from '../table/delivery-repository';
import { validateDeliveryRequest } from './delivery-request';
import { buildMetaItem } from './meta-item';
import type { WorkflowStarter } from './workflow-starter';

/**
 * The one way a delivery begins, shared by the send API and `DeliveryClient`: validate, store, start.
 */

export interface StartDeliveryDeps {
  readonly repository: Pick<DeliveryRepository, 'createMeta' | 'setExecutionArn'>;
  readonly workflow: Pick<WorkflowStarter, 'start'>;
  /** The per-stage HMAC key for the `byRecipient` index. */
  readonly recipientHashKey: string;
  /** How long items are kept after the code expires (DynamoDB TTL). */
  readonly retentionDays: number;
  readonly now?: () => Date;
  /** Generates a delivery id when the caller gave none (ULID by default). */
  readonly newId?: () => string;
  readonly logger?: Pick<AppLogger, 'info' | 'warn'>;
}

export interface StartedDelivery {
  readonly deliveryId: string;
  readonly executionArn: string;
  /** `started` when this call started the workflow; `existing` when an identical request already had. */
  readonly status: 'started' | 'existing';
}

/**
 * Validates a send request, stores its `META` item and starts its workflow.
 *
 * Idempotent per `deliveryId`: repeating a request returns the delivery it created, and a repeat whose
 * predecessor stored the item but never started the workflow (a crash or timeout in between) starts it.
 * Reusing an id for a different request is a conflict. Nothing is stored or started for an invalid request.
 *
 * @param input - the request as received (parsed JSON or the object passed to `DeliveryClient.send`)
 * @throws {ValidationError} when the request breaks a rule (HTTP 400)
 * @throws {ConflictError} when the id belongs to a different request (HTTP 409)
 *
 * @example
 * const { deliveryId, status } = await startDelivery(body, { repository, workflow, recipientHashKey, retentionDays: 30 });
 */
export async function startDelivery(input: unknown, deps: StartDeliveryDeps): Promise<StartedDelivery> {
  const now = deps.now?.() ?? new Date();
  const request = validateDeliveryRequest(input, { now, newId: deps.newId });
  const { deliveryId } = request;
  const item = buildMetaItem(request, {
    createdAt: now,
    recipientHashKey: deps.recipientHashKey,
    retentionDays: deps.retentionDays,
  });

  const stored = await deps.repository.createMeta(item);
  if (!stored.created) {
    if (stored.existing.requestHash !== item.requestHash) throw new ConflictError(deliveryId);
    if (stored.existing.executionArn) {
      return { deliveryId, executionArn: stored.existing.executionArn, status: 'existing' };
    }
    deps.logger?.warn('Delivery stored earlier but its workflow was not recorded as started; starting it', {
      deliveryId,
    });
  }

  // From here on every step is safe to repeat: the execution name is the delivery id.
  const execution = await deps.workflow.start({
    deliveryId,
    expiresAt: request.expiresAt,
    policy: request.policy,
  });
  await deps.repository.setExecutionArn(deliveryId, execution.executionArn);

  const status = execution.alreadyStarted ? 'existing' : 'started';
  deps.logger?.info('Delivery accepted', { deliveryId, status });
  return { deliveryId, executionArn: execution.executionArn, status };
}
