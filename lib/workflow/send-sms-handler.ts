import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SSMClient, type SSMClientConfig } from '@aws-sdk/client-ssm';
import middy, { type MiddyfiedHandler } from '@middy/core';
import ssm, { type SSMOptions } from '@middy/ssm';
import type { Context } from 'aws-lambda';
import { boundedClientOptions, createDocumentClient } from '../shared/aws-clients';
import { createAttemptRepository } from '../table/attempt-repository';
import { loadSendSmsConfig, type SendSmsConfig } from '../shared/config';
import { DeliveryRepository } from '../table/delivery-repository';
import { logger, metrics } from '../shared/observability';
import { sendSmsTask, type SendSmsTaskDeps, type SendSmsTaskResult } from './send-sms-task';
import { createSinchClient, parseSinchCredentials, type SinchClient } from './sinch-client';
import { SendSmsPayloadSchema, parseTaskPayload } from './task-contract';
import { recordSmsSendFailure, recordSmsSent } from './workflow-telemetry';

/** The credentials are re-read this often, so a key rotated in SSM reaches warm containers within minutes. */
export const CREDENTIALS_CACHE_MS = 5 * 60 * 1000;

export interface SendSmsDeps {
  readonly config: SendSmsConfig;
  readonly deliveries: SendSmsTaskDeps['deliveries'];
  readonly attempts: SendSmsTaskDeps['attempts'];
  readonly sinch: SinchClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now: () => Date;
  /** How `@middy/ssm` builds its client: the class (tests pass a mocked one) and its options. */
  readonly ssm: {
    readonly AwsClient?: typeof SSMClient;
    readonly awsClientOptions?: SSMClientConfig;
    readonly cacheExpiryMs?: number;
  };
}

/** The Lambda context after `@middy/ssm` has put the credentials parameter's value on it. */
type SendSmsContext = Context & { sinchCredentials?: unknown };

export type SendSmsHandler = MiddyfiedHandler<unknown, SendSmsTaskResult>;

/**
 * The `SendSms` task Lambda (`lambda:invoke.waitForTaskToken`). Middlewares: log context, metrics, the
 * Sinch credentials from SSM; then the core {@link sendSmsTask}. Errors are thrown as they are: their
 * `name` is the error the state machine retries (`Sinch.Unavailable`) or catches (`Sinch.Rejected`, …).
 *
 * @example
 * const handler = createSendSmsHandler({ ...liveDeps(config), sinch: fakeSinch });
 * await handler({ deliveryId: 'd-1', attempt: 1, taskToken: 'token' }, context);
 */
export function createSendSmsHandler(deps: SendSmsDeps): SendSmsHandler {
  const { config } = deps;
  deps.logger.appendPersistentKeys({ stage: config.stage });

  const sendSms = async (event: unknown, context: SendSmsContext): Promise<SendSmsTaskResult> => {
    const payload = parseTaskPayload(SendSmsPayloadSchema, event);
    // Every line of this invocation, the middlewares' included, names the delivery and attempt.
    deps.logger.appendKeys({ deliveryId: payload.deliveryId, attempt: payload.attempt });
    const credentials = parseSinchCredentials(context.sinchCredentials);
    try {
      const result = await sendSmsTask(payload, credentials, {
        deliveries: deps.deliveries,
        attempts: deps.attempts,
        sinch: deps.sinch,
        sender: config.sinchSmsSender,
        now: deps.now,
        logger: deps.logger,
      });
      recordSmsSent(result, deps.metrics);
      return result;
    } catch (error) {
      recordSmsSendFailure(error, deps.metrics);
      throw error;
    }
  };

  const credentialsFromSsm: SSMOptions = {
    AwsClient: deps.ssm.AwsClient ?? SSMClient,
    awsClientOptions: deps.ssm.awsClientOptions ?? {},
    fetchData: { sinchCredentials: config.sinchCredentialsParam },
    cacheKey: `ssm:${config.sinchCredentialsParam}`,
    cacheExpiry: deps.ssm.cacheExpiryMs ?? CREDENTIALS_CACHE_MS,
    // Read inside the first invocation, not at init: a failed read is then an ordinary task error that the
    // workflow sees, instead of an unhandled rejection during cold start.
    disablePrefetch: true,
    setToContext: true,
  };

  return middy<unknown, SendSmsTaskResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(deps.metrics))
    .use(ssm(credentialsFromSsm))
    .handler(sendSms);
}

/**
 * The production wiring: settings from the environment, SDK clients created once per container.
 * Endpoints follow the standard `AWS_ENDPOINT_URL_DYNAMODB` / `_SSM`, which the local stack sets; Sinch's
 * come from `SINCH_API_URL` / `SINCH_AUTH_URL`.
 */
export function liveDeps(config: SendSmsConfig = loadSendSmsConfig()): SendSmsDeps {
  const documents = createDocumentClient();
  return {
    config,
    deliveries: new DeliveryRepository(documents, config.deliveriesTable),
    attempts: createAttemptRepository(documents, config.deliveriesTable),
    sinch: createSinchClient({
      projectId: config.sinchProjectId,
      appId: config.sinchAppId,
      apiUrl: config.sinchApiUrl,
      authUrl: config.sinchAuthUrl,
    }),
    logger,
    metrics,
    now: () => new Date(),
    ssm: { awsClientOptions: boundedClientOptions() },
  };
}

export const handler = createSendSmsHandler(liveDeps());
