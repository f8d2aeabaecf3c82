import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { boundedClientOptions, createSqsClient } from '../shared/aws-clients';
import { loadIngressConfig, type IngressConfig } from '../shared/config';
import { WebhookVerificationError } from '../shared/errors';
import { recordWebhookOutcome, recordWebhookRejection, recordWebhookRequest } from './ingress-telemetry';
import { createLogger, createMetrics } from '../shared/observability';
import { createReceiptQueue, type ReceiptQueue } from './receipt-queue';
import { receiveWebhook } from './receive-webhook';
import { parseSecrets } from './webhook-signature';
import { httpErrorHandler } from '../shared/middleware/http-error-handler';
import { httpRequestGuard } from '../shared/middleware/http-request-guard';
import { ssmParameter, type SsmClientSettings } from '../shared/middleware/ssm-parameter';

/** Sinch delivery reports are a few hundred bytes; anything past this is refused before it is hashed. */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

/**
 * Secrets are re-read this often, so a rotation in SSM reaches every warm container within minutes. A
 * re-read that fails keeps the secrets already read (see `ssmParameter`).
 */
export const SECRETS_CACHE_MS = 5 * 60 * 1000;

export interface IngressDeps {
  readonly config: IngressConfig;
  readonly queue: ReceiptQueue;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Epoch milliseconds. */
  readonly now: () => number;
  readonly ssm: SsmClientSettings;
}

export type IngressHandler = MiddyfiedHandler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>;

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * The Sinch webhook endpoint behind a Function URL (payload format 2.0). Middlewares, in order: log
 * context, metrics, HTTP shape checks (405/413, base64), the webhook secrets from SSM, then the core
 * `receiveWebhook`; the error handler is registered last so every failure becomes a generic JSON answer.
 *
 * @example
 * const handler = createIngressHandler({ ...liveDeps(config), queue: fakeQueue });
 */
export function createIngressHandler(deps: IngressDeps): IngressHandler {
  const { config, queue, now } = deps;
  deps.logger.appendPersistentKeys({ stage: config.stage });
  const webhookSecrets = ssmParameter(
    { name: config.webhookSecretsParam, cacheExpiryMs: SECRETS_CACHE_MS, parse: parseSecrets },
    deps.ssm,
    deps,
  );

  const handleWebhook = async (
    event: APIGatewayProxyEventV2,
    context: Context,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    const secrets = webhookSecrets.value(context);
    try {
      const outcome = await receiveWebhook(
        { rawBody: event.body ?? '', headers: event.headers },
        {
          secrets,
          maxAgeSeconds: config.webhookMaxAgeSeconds,
          maxFutureSeconds: config.webhookMaxFutureSeconds,
          queue,
          now,
        },
      );
      recordWebhookOutcome(outcome, deps);
      return { statusCode: 200, headers: JSON_HEADERS, body: JSON.stringify({ status: outcome.outcome }) };
    } catch (error) {
      if (error instanceof WebhookVerificationError) recordWebhookRejection(error.reason, deps);
      throw error;
    }
  };

  return (
    middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
      // logEvent false wins over POWERTOOLS_LOGGER_LOG_EVENT: the event body holds phone numbers.
      .use(injectLambdaContext(deps.logger, { resetKeys: true, logEvent: false }))
      .use(logMetrics(deps.metrics, { captureColdStartMetric: true }))
      .before(function countWebhookRequest() {
        recordWebhookRequest(deps);
      })
      .use(httpRequestGuard({ methods: ['POST'], maxBodyBytes: MAX_WEBHOOK_BODY_BYTES }))
      .use(webhookSecrets.middleware)
      .use(httpErrorHandler({ logger: deps.logger }))
      .handler(handleWebhook)
  );
}

/**
 * The production wiring: settings from the environment, SDK clients created once per container.
 * Endpoints follow the standard `AWS_ENDPOINT_URL_SQS` / `AWS_ENDPOINT_URL_SSM`, which the local stack sets.
 */
export function liveDeps(config: IngressConfig = loadIngressConfig()): IngressDeps {
  // Bounded so a slow SQS answers Sinch with a 500 (and a retry) well inside the 10 s Lambda timeout.
  const clientOptions = boundedClientOptions(2000);
  return {
    config,
    queue: createReceiptQueue({
      sqs: createSqsClient(clientOptions),
      queueUrl: config.receiptsQueueUrl,
      dlqUrl: config.receiptsDlqUrl,
    }),
    logger: createLogger(),
    metrics: createMetrics(),
    now: Date.now,
    ssm: { awsClientOptions: clientOptions },
  };
}
