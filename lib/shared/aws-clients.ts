import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SESClient } from '@aws-sdk/client-ses';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';

/** Options every Lambda gives its AWS SDK clients. */
export interface BoundedClientOptions {
  readonly maxAttempts: number;
  readonly requestHandler: { readonly connectionTimeout: number; readonly requestTimeout: number };
}

/**
 * SDK client options with a short connection timeout, a bounded request timeout and three attempts. A hung
 * call then fails well inside the function's own timeout, and whoever invoked the function (Sinch, SQS,
 * Step Functions, the caller of the send API) retries it, instead of the whole invocation timing out.
 *
 * @example
 * const sfn = new SFNClient(boundedClientOptions(2000));
 */
export function boundedClientOptions(requestTimeoutMs = 3000): BoundedClientOptions {
  return { maxAttempts: 3, requestHandler: { connectionTimeout: 1000, requestTimeout: requestTimeoutMs } };
}

/**
 * The SSM client class the SSM parameter middleware instantiates, once per parameter, for a handler's
 * parameters. Tests replace it through the handler's `ssm.AwsClient` setting (a mocked class).
 */
export function ssmClientClass(): typeof SSMClient {
  return SSMClient;
}

/**
 * An SQS client for the receipts queues. The resolved endpoint (regional, or `AWS_ENDPOINT_URL_SQS`
 * locally) decides where requests go and the queue URL is only an identifier: on AWS both name the same
 * host, while emulators hand out queue URLs on hosts such as `sqs.us-east-1.localhost` that do not resolve.
 *
 * `cacheMiddleware` resolves the middleware stack once per command type instead of on every call; it
 * applies to calls made without per-call options (such as an `abortSignal`), so the queues pass none. It is
 * not set on the DynamoDB document client, whose commands add marshalling middleware of their own per call.
 *
 * `md5: false` skips the SDK's MD5 comparison of each message body and its attributes with SQS's answer.
 * It guards against corruption in transit, which TLS already detects; and every receipt carries its own
 * SHA-256 of the raw webhook body, which the processor checks end to end (`receipt-envelope.ts`). What it
 * cost an ingress invocation is in docs/performance.md.
 */
export function createSqsClient(
  options: BoundedClientOptions | SQSClientConfig = boundedClientOptions(),
): SQSClient {
  return new SQSClient({ ...options, useQueueUrlAsEndpoint: false, cacheMiddleware: true, md5: false });
}

/** A Step Functions client, bounded like {@link boundedClientOptions}. */
export function createSfnClient(options: BoundedClientOptions = boundedClientOptions()): SFNClient {
  return new SFNClient(options);
}

/**
 * An SES client with one SDK retry only: the state machine's Retry, with its backoff, is the place for
 * longer waits.
 */
export function createSesClient(options: BoundedClientOptions = boundedClientOptions()): SESClient {
  return new SESClient({ ...options, maxAttempts: 2 });
}

/** An EventBridge client for the `DeliveryOutcome` event, bounded like {@link boundedClientOptions}. */
export function createEventBridgeClient(
  options: BoundedClientOptions = boundedClientOptions(),
): EventBridgeClient {
  return new EventBridgeClient(options);
}
