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
  /**
   * `started` when this call created the delivery (its conditional write stored the `META` item); `existing`
   * when an identical request had, even if this call is the one that got its workflow going.
   */
  readonly status: 'started' | 'existing';
}

/**
 * Validates a send request, stores its `META` item and starts its workflow.
 *
 * Idempotent per `deliveryId`: repeating a request returns the delivery it created, and a repeat whose
 * predecessor stored the item but never started the workflow (a crash or timeout in between) starts it.
 * Reusing an id for a different request is a conflict. Nothing is stored or started for an invalid request.
 *
 * Exactly one of any number of identical requests, concurrent or not, answers `started`: the one whose
 * conditional put created the `META` item. Step Functions cannot decide it: it answers an identical
 * `StartExecution` of a running execution with success, so two racing requests would both look like the
 * starter. A repeat that finds the item without an execution ARN starts the workflow too (the creator may
 * have crashed, or may simply be slower); the execution name makes that harmless, and it answers `existing`.
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
    // Either the request that stored it crashed before starting the workflow, or it is still running.
    deps.logger?.warn('Delivery stored by another request but its workflow not recorded; starting it', {
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

  const status = stored.created ? 'started' : 'existing';
  deps.logger?.info('Delivery accepted', {
    deliveryId,
    status,
    ...(execution.alreadyStarted && { executionAlreadyStarted: true }),
  });
  return { deliveryId, executionArn: execution.executionArn, status };
}
