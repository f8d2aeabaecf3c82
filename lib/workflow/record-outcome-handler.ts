import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import { createEventBridgeClient } from '../shared/aws-clients';
import { createDocumentClient } from '../table/document-client';
import { loadWorkflowTaskConfig, type WorkflowTaskConfig } from '../shared/config';
import { createLogger, createMetrics } from '../shared/observability';
import { createAttemptRepository } from '../table/attempt-repository';
import { createOutcomeRepository, type OutcomeRepository } from '../table/outcome-repository';
import { createOutcomeEventSender, type OutcomeEventSender } from './outcome-event-sender';
import { recordOutcomeTask, type RecordOutcomeTaskDeps } from './record-outcome-task';
import { RecordOutcomePayloadSchema, parseTaskPayload, type DeliveryOutcomeDetail } from './task-contract';
import { transientAwsErrors } from './task-errors';
import { recordDeliveryOutcome } from './workflow-telemetry';

export interface RecordOutcomeDeps {
  readonly config: WorkflowTaskConfig;
  readonly outcomes: OutcomeRepository;
  readonly events: OutcomeEventSender;
  readonly attempts: RecordOutcomeTaskDeps['attempts'];
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now: () => Date;
}

export type RecordOutcomeHandler = MiddyfiedHandler<unknown, DeliveryOutcomeDetail>;

/**
 * The `RecordOutcome` task Lambda: writes the delivery's one outcome to `META`, puts the `DeliveryOutcome`
 * event on the default bus and returns its detail (the execution's output). Counts the outcome, its
 * time and the attempts' failures ({@link recordDeliveryOutcome}).
 *
 * @example
 * const handler = createRecordOutcomeHandler({ ...liveDeps(config), outcomes: fakeOutcomes });
 */
export function createRecordOutcomeHandler(deps: RecordOutcomeDeps): RecordOutcomeHandler {
  const { config } = deps;
  deps.logger.appendPersistentKeys({ stage: config.stage });

  const recordOutcome = async (event: unknown): Promise<DeliveryOutcomeDetail> => {
    const payload = parseTaskPayload(RecordOutcomePayloadSchema, event);
    deps.logger.appendKeys({ deliveryId: payload.deliveryId, attempt: payload.attempt });
    const detail = await recordOutcomeTask(payload, { ...deps, stage: config.stage });
    recordDeliveryOutcome(detail, deps.metrics);
    return detail;
  };

  return middy<unknown, DeliveryOutcomeDetail>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(deps.metrics))
    .use(transientAwsErrors())
    .handler(recordOutcome);
}

/**
 * The production wiring; the endpoints follow `AWS_ENDPOINT_URL_DYNAMODB` / `_EVENTBRIDGE` (set by the
 * local stack).
 */
export function liveDeps(config: WorkflowTaskConfig = loadWorkflowTaskConfig()): RecordOutcomeDeps {
  const documents = createDocumentClient();
  return {
    config,
    outcomes: createOutcomeRepository(documents, config.deliveriesTable),
    events: createOutcomeEventSender(createEventBridgeClient()),
    attempts: createAttemptRepository(documents, config.deliveriesTable),
    logger: createLogger(),
    metrics: createMetrics(),
    now: () => new Date(),
  };
}
