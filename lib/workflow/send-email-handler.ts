import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import { createSesClient } from '../shared/aws-clients';
import { createDocumentClient } from '../table/document-client';
import { createAttemptRepository } from '../table/attempt-repository';
import { loadSendEmailConfig, type SendEmailConfig } from '../shared/config';
import { createDeliveryRepository } from '../table/delivery-repository';
import { createSesEmailSender, type EmailSender } from './email-sender';
import { createLogger, createMetrics } from '../shared/observability';
import { sendEmailTask, type SendEmailTaskDeps, type SendEmailTaskResult } from './send-email-task';
import { SendEmailPayloadSchema, parseTaskPayload } from './task-contract';
import { transientAwsErrors } from './task-errors';
import { recordEmailFailure, recordFallbackEmail } from './workflow-telemetry';

export interface SendEmailDeps {
  readonly config: SendEmailConfig;
  readonly deliveries: SendEmailTaskDeps['deliveries'];
  readonly attempts: SendEmailTaskDeps['attempts'];
  readonly mailer: EmailSender;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now: () => Date;
}

export type SendEmailHandler = MiddyfiedHandler<unknown, SendEmailTaskResult>;

/**
 * The `SendEmail` task Lambda (`lambda:invoke`): the fallback email through SES. `Email.Unavailable` is
 * retried by the state machine; `Email.Rejected` and `Delivery.Expired` are caught by it. Every email SES
 * refused or could not take is counted in `EmailFailures`, by SES's reason.
 *
 * @example
 * const handler = createSendEmailHandler({ ...liveDeps(config), mailer: fakeMailer });
 * await handler({ deliveryId: 'd-1', attempt: 4 }, context);
 */
export function createSendEmailHandler(deps: SendEmailDeps): SendEmailHandler {
  deps.logger.appendPersistentKeys({ stage: deps.config.stage });

  const sendEmail = async (event: unknown): Promise<SendEmailTaskResult> => {
    const payload = parseTaskPayload(SendEmailPayloadSchema, event);
    deps.logger.appendKeys({ deliveryId: payload.deliveryId, attempt: payload.attempt });
    try {
      const result = await sendEmailTask(payload, deps);
      recordFallbackEmail(result, deps.metrics);
      return result;
    } catch (error) {
      recordEmailFailure(error, deps.metrics);
      throw error;
    }
  };

  return middy<unknown, SendEmailTaskResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(deps.metrics))
    .use(transientAwsErrors())
    .handler(sendEmail);
}

/** The production wiring; endpoints follow `AWS_ENDPOINT_URL_DYNAMODB` / `_SES` (set by the local stack). */
export function liveDeps(config: SendEmailConfig = loadSendEmailConfig()): SendEmailDeps {
  const documents = createDocumentClient();
  return {
    config,
    deliveries: createDeliveryRepository(documents, config.deliveriesTable),
    attempts: createAttemptRepository(documents, config.deliveriesTable),
    mailer: createSesEmailSender(createSesClient(), config.emailFrom),
    logger: createLogger(),
    metrics: createMetrics(),
    now: () => new Date(),
  };
}
