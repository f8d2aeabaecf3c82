import { AppError } from './errors';

/**
 * The one classification of AWS SDK errors into "not now" and "not this": which failures of an AWS call
 * may pass on their own (throttling, a server-side fault, no answer at all) and are worth retrying soon,
 * and which need a person (access denied, a missing table, a failed condition, a bug).
 */

// The error names the AWS SDK itself retries as throttling or transient (@smithy/service-error-classification),
// plus the 5xx names of DynamoDB, SES and others that carry a name of their own.
const TRANSIENT_AWS_ERROR_NAMES: ReadonlySet<string> = new Set([
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalServerError',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

// Node's codes for a connection that failed or broke before an answer came.
const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $fault?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/**
 * Whether an error from an AWS call is transient: a throttling or transient name, an error the SDK marks
 * retryable or a server fault, HTTP 429 or 5xx, an SDK error with no HTTP answer at all, or a network
 * error. Our own {@link AppError}s never are (each says for itself whether it is retryable).
 *
 * @example
 * isTransientAwsError(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })); // true
 * isTransientAwsError(Object.assign(new Error('…'), { name: 'ConditionalCheckFailedException', $fault: 'client', $metadata: { httpStatusCode: 400 } })); // false
 */
export function isTransientAwsError(error: unknown): boolean {
  if (error instanceof AppError || typeof error !== 'object' || error === null) return false;
  const shape = error as SdkErrorShape;
  if (typeof shape.name === 'string' && TRANSIENT_AWS_ERROR_NAMES.has(shape.name)) return true;
  if (typeof shape.code === 'string' && NETWORK_ERROR_CODES.has(shape.code)) return true;
  if (shape.$retryable !== undefined || shape.$fault === 'server') return true;
  if (shape.$fault === 'client' || typeof shape.$metadata !== 'object' || shape.$metadata === null)
    return false;
  const status = shape.$metadata.httpStatusCode;
  // No status: the request never got an answer (connection refused or reset, timeout), after the SDK's retries.
  return status === undefined || status === 429 || (typeof status === 'number' && status >= 500);
}
