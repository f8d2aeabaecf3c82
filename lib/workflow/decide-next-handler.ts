import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import { createDocumentClient } from '../table/document-client';
import { loadDecideNextConfig, type DecideNextConfig } from '../shared/config';
import { decideNextTask, type DecideNextTaskDeps } from './decide-next-task';
import { createAttemptRepository } from '../table/attempt-repository';
import { createDeliveryRepository } from '../table/delivery-repository';
import { createLogger } from '../shared/observability';
import { DecideNextPayloadSchema, parseTaskPayload, type WorkflowState } from './task-contract';
import { transientAwsErrors } from './task-errors';

export interface DecideNextDeps {
  readonly config: DecideNextConfig;
  readonly deliveries: DecideNextTaskDeps['deliveries'];
  readonly attempts: DecideNextTaskDeps['attempts'];
  readonly logger: Logger;
  readonly now: () => Date;
}

export type DecideNextHandler = MiddyfiedHandler<unknown, WorkflowState>;

/**
 * The `DecideNextStep` task Lambda: the one place the workflow learns the current time. Returns the next
 * workflow state, whose `decision.reason` is what a support person reads in the execution history.
 *
 * @example
 * const handler = createDecideNextHandler({ ...liveDeps(config), now: () => fixedDate });
 */
export function createDecideNextHandler(deps: DecideNextDeps): DecideNextHandler {
  deps.logger.appendPersistentKeys({ stage: deps.config.stage });

  const decideNext = async (event: unknown): Promise<WorkflowState> => {
    const payload = parseTaskPayload(DecideNextPayloadSchema, event);
    deps.logger.appendKeys({ deliveryId: payload.deliveryId, attempt: payload.attempt });
    const next = await decideNextTask(payload, {
      deliveries: deps.deliveries,
      attempts: deps.attempts,
      secondary: deps.config.secondarySmsProvider,
      now: deps.now,
    });
    deps.logger.info('Next step decided', {
      deliveryId: next.deliveryId,
      failure: payload.failure,
      failedTask: payload.lastError?.failedTask ?? 'SendSms',
      action: next.decision?.action,
      provider: next.provider,
      reason: next.decision?.reason,
    });
    return next;
  };

  return middy<unknown, WorkflowState>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true, logEvent: false }))
    .use(transientAwsErrors())
    .handler(decideNext);
}

/** The production wiring; the endpoint follows `AWS_ENDPOINT_URL_DYNAMODB` (set by the local stack). */
export function liveDeps(config: DecideNextConfig = loadDecideNextConfig()): DecideNextDeps {
  const documents = createDocumentClient();
  return {
    config,
    deliveries: createDeliveryRepository(documents, config.deliveriesTable),
    attempts: createAttemptRepository(documents, config.deliveriesTable),
    logger: createLogger(),
    now: () => new Date(),
  };
}
