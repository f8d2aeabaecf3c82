import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { boundedClientOptions, createSfnClient } from '../shared/aws-clients';
import { createDocumentClient } from '../table/document-client';
import { loadSendApiConfig, type SendApiConfig } from '../shared/config';
import { createDeliveryRepository } from '../table/delivery-repository';
import { ConfigError, ConflictError, ValidationError } from '../shared/errors';
import { normaliseHeaders } from '../shared/http-headers';
import { parseJsonRequestBody } from '../shared/json-request-body';
import { createLogger, createMetrics } from '../shared/observability';
import { recordDeliveryAccepted, recordDeliveryRefused } from './send-api-telemetry';
import { startDelivery, type StartDeliveryDeps } from './start-delivery';
import { createWorkflowStarter } from './workflow-starter';
import { httpErrorHandler } from '../shared/middleware/http-error-handler';
import { httpRequestGuard } from '../shared/middleware/http-request-guard';
import { ssmParameter, type SsmClientSettings } from '../shared/middleware/ssm-parameter';

/** A request holds at most 1600 characters of SMS and 10 000 of email text; 64 KiB leaves room for both. */
export const MAX_SEND_BODY_BYTES = 64 * 1024;

export interface SendDeps {
  readonly config: SendApiConfig;
  readonly repository: StartDeliveryDeps['repository'];
  readonly workflow: StartDeliveryDeps['workflow'];
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now: () => Date;
  readonly newId?: () => string;
  readonly ssm: SsmClientSettings;
}

export type SendHandler = MiddyfiedHandler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>;

function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/**
 * The send API behind a Function URL with AuthType AWS_IAM (payload format 2.0): `POST` a delivery
 * request as JSON. Answers 202 when the delivery starts, 200 when an identical request had already started
 * it, 400 with one issue per invalid field, 409 when the delivery id belongs to another request, and
 * 405 / 413 / 415 for requests of the wrong shape.
 *
 * Middlewares, in order: log context, metrics, HTTP shape checks, the recipient hash key from SSM; the
 * error handler is registered last so anything unexpected becomes a generic JSON 500.
 *
 * @example
 * const handler = createSendHandler({ ...liveDeps(config), workflow: fakeWorkflow });
 */
export function createSendHandler(deps: SendDeps): SendHandler {
  const { config } = deps;
  deps.logger.appendPersistentKeys({ stage: config.stage });
  const recipientHashKey = ssmParameter(
    {
      name: config.recipientHashKeyParam,
      // Kept for the container's lifetime, with no refresh timer: the key never changes once a stage has
      // hashed a recipient.
      cacheExpiryMs: -1,
      parse: (value) => {
        if (typeof value !== 'string') {
          throw new ConfigError(
            `SSM parameter ${config.recipientHashKeyParam} must hold the key as a string`,
          );
        }
        return value;
      },
    },
    deps.ssm,
    deps,
  );

  const handleSend = async (
    event: APIGatewayProxyEventV2,
    context: Context,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    const body = parseJsonRequestBody({ headers: normaliseHeaders(event.headers), body: event.body });
    try {
      const delivery = await startDelivery(body, {
        repository: deps.repository,
        workflow: deps.workflow,
        recipientHashKey: recipientHashKey.value(context),
        retentionDays: config.retentionDays,
        now: deps.now,
        newId: deps.newId,
        logger: deps.logger,
      });
      recordDeliveryAccepted(delivery, deps);
      return json(delivery.status === 'started' ? 202 : 200, {
        deliveryId: delivery.deliveryId,
        executionArn: delivery.executionArn,
      });
    } catch (error) {
      // The two answers a caller can act on are part of the API; anything else is the error handler's.
      if (error instanceof ValidationError) {
        recordDeliveryRefused(error, deps);
        return json(400, { error: 'Invalid delivery request', issues: error.issues });
      }
      if (error instanceof ConflictError) {
        recordDeliveryRefused(error, deps);
        return json(409, { error: error.message, deliveryId: error.deliveryId });
      }
      throw error;
    }
  };

  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(deps.metrics, { captureColdStartMetric: true }))
    .use(httpRequestGuard({ methods: ['POST'], maxBodyBytes: MAX_SEND_BODY_BYTES }))
    .use(recipientHashKey.middleware)
    .use(httpErrorHandler({ logger: deps.logger }))
    .handler(handleSend);
}

/**
 * The production wiring: settings from the environment, SDK clients created once per container.
 * Endpoints follow the standard `AWS_ENDPOINT_URL_<SERVICE>` variables, which the local stack sets.
 */
export function liveDeps(config: SendApiConfig = loadSendApiConfig()): SendDeps {
  // Bounded so a slow dependency fails the request well inside the 10 s Lambda timeout; the caller retries
  // safely because every step is idempotent per delivery id.
  const clientOptions = boundedClientOptions(2000);
  return {
    config,
    repository: createDeliveryRepository(createDocumentClient(clientOptions), config.deliveriesTable),
    workflow: createWorkflowStarter(createSfnClient(clientOptions), config.deliveryStateMachineArn),
    logger: createLogger(),
    metrics: createMetrics(),
    now: () => new Date(),
    ssm: { awsClientOptions: clientOptions },
  };
}
