import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { boundedClientOptions } from '../shared/aws-clients';
import { createDocumentClient } from '../table/document-client';
import { createAttemptRepository } from '../table/attempt-repository';
import { loadSendSmsConfig, type SendSmsConfig } from '../shared/config';
import { createDeliveryRepository } from '../table/delivery-repository';
import { createLogger, createMetrics } from '../shared/observability';
import { ssmParameter, type SsmClientSettings } from '../shared/middleware/ssm-parameter';
import { createAwsSmsClient, createPinpointSmsVoiceClient } from './aws-sms-client';
import { createBreakerRepository } from '../table/breaker-repository';
import { PRIMARY_SMS_PROVIDER } from '../shared/sms-providers';
import { createPrimaryBreaker } from './provider-breaker';
import { sendSmsTask, type SendSmsTaskDeps, type SendSmsTaskResult } from './send-sms-task';
import { createSinchClient, parseSinchCredentials, type SinchClient } from './sinch-client';
import { sinchProvider, type SmsProvider } from './sms-provider';
import { SendSmsPayloadSchema, parseTaskPayload } from './task-contract';
import { transientAwsErrors } from './task-errors';
import { recordBreakerTransition, recordSmsSendFailure, recordSmsSent } from './workflow-telemetry';

/** The credentials are re-read this often, so a key rotated in SSM reaches warm containers within minutes. */
export const CREDENTIALS_CACHE_MS = 5 * 60 * 1000;

export interface SendSmsDeps {
  readonly config: SendSmsConfig;
  readonly deliveries: SendSmsTaskDeps['deliveries'];
  readonly attempts: SendSmsTaskDeps['attempts'];
  readonly sinch: SinchClient;
  /** The secondary provider and the breaker on the primary, when the stage has a secondary. */
  readonly secondary?: {
    readonly provider: SmsProvider;
    readonly failover: NonNullable<SendSmsTaskDeps['failover']>;
  };
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now: () => Date;
  readonly ssm: SsmClientSettings;
}

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
  const sinchCredentials = ssmParameter(
    { name: config.sinchCredentialsParam, cacheExpiryMs: CREDENTIALS_CACHE_MS, parse: parseSinchCredentials },
    deps.ssm,
    deps,
  );

  const sendSms = async (event: unknown, context: Context): Promise<SendSmsTaskResult> => {
    const payload = parseTaskPayload(SendSmsPayloadSchema, event);
    // Every line of this invocation, the middlewares' included, names the delivery and attempt.
    deps.logger.appendKeys({ deliveryId: payload.deliveryId, attempt: payload.attempt });
    const credentials = sinchCredentials.value(context);
    try {
      const result = await sendSmsTask(payload, {
        deliveries: deps.deliveries,
        attempts: deps.attempts,
        providers: {
          [PRIMARY_SMS_PROVIDER]: sinchProvider(deps.sinch, credentials, config.sinchSmsSender),
          ...(deps.secondary && { [deps.secondary.provider.id]: deps.secondary.provider }),
        },
        failover: deps.secondary?.failover,
        now: deps.now,
        logger: deps.logger,
        onBreakerTransition: (step) => recordBreakerTransition(step, deps.metrics),
      });
      recordSmsSent(result, deps.metrics, { byProvider: deps.secondary !== undefined });
      return result;
    } catch (error) {
      recordSmsSendFailure(error, deps.metrics);
      throw error;
    }
  };

  return middy<unknown, SendSmsTaskResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(deps.metrics))
    .use(sinchCredentials.middleware)
    .use(transientAwsErrors())
    .handler(sendSms);
}

/**
 * The production wiring: settings from the environment, SDK clients created once per container.
 * Endpoints follow the standard `AWS_ENDPOINT_URL_DYNAMODB` / `_SSM` / `_PINPOINT_SMS_VOICE_V2`, which the
 * local stack sets; Sinch's
 * come from `SINCH_API_URL` / `SINCH_AUTH_URL`.
 */
export function liveDeps(config: SendSmsConfig = loadSendSmsConfig()): SendSmsDeps {
  const documents = createDocumentClient();
  return {
    config,
    deliveries: createDeliveryRepository(documents, config.deliveriesTable),
    attempts: createAttemptRepository(documents, config.deliveriesTable),
    sinch: createSinchClient({
      projectId: config.sinchProjectId,
      appId: config.sinchAppId,
      apiUrl: config.sinchApiUrl,
      authUrl: config.sinchAuthUrl,
    }),
    ...(config.secondarySms && {
      secondary: {
        provider: createAwsSmsClient({
          client: createPinpointSmsVoiceClient(boundedClientOptions()),
          originationIdentity: config.secondarySms.originationIdentity,
          configurationSetName: config.secondarySms.configurationSetName,
          stage: config.stage,
        }),
        failover: {
          secondary: config.secondarySms.provider,
          breaker: createPrimaryBreaker({
            store: createBreakerRepository(documents, config.deliveriesTable, PRIMARY_SMS_PROVIDER),
            settings: config.secondarySms.breaker,
            now: () => new Date(),
          }),
        },
      },
    }),
    logger: createLogger(),
    metrics: createMetrics(),
    now: () => new Date(),
    ssm: { awsClientOptions: boundedClientOptions() },
  };
}
