/**
 * Every error the system raises on purpose. Each class sets `name`: it is what Step Functions
 * `ErrorEquals` matches (Lambda reports `error.name` as the error type) and what log lines show.
 * Each error also says whether retrying the same operation can help and which HTTP status it maps to;
 * `expose` says whether its message may be returned to an HTTP caller.
 */
export abstract class AppError extends Error {
  abstract override readonly name: string;
  /** Whether the same operation may succeed if retried unchanged. */
  abstract readonly retryable: boolean;
  /** HTTP status used when the error reaches an HTTP boundary. */
  readonly statusCode: number = 500;
  /** Whether `message` is safe to return to an HTTP caller. */
  readonly expose: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Why a webhook failed authentication. Logged, never returned to the caller. */
export type WebhookRejectionReason =
  | 'missing_signature'
  | 'missing_nonce'
  | 'missing_timestamp'
  | 'unsupported_algorithm'
  | 'malformed_signature'
  | 'malformed_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_in_future'
  | 'signature_mismatch'
  | 'no_secret_configured';

/** A webhook request did not carry a valid Sinch signature. Always a generic 401 to the caller. */
export class WebhookVerificationError extends AppError {
  override readonly name = 'WebhookVerificationError';
  readonly retryable = false;
  override readonly statusCode = 401;
  override readonly expose = false;

  constructor(readonly reason: WebhookRejectionReason) {
    super(`Webhook signature rejected: ${reason}`);
  }
}

/** An HTTP request that is wrong in shape rather than content (method, size, encoding). */
export class HttpRequestError extends AppError {
  override readonly name = 'HttpRequestError';
  readonly retryable = false;
  override readonly expose = true;

  constructor(
    override readonly statusCode: 400 | 405 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/** One rule a request broke, addressed by a dotted path such as `email.to` or `policy.maxSmsAttempts`. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** A delivery request broke one or more validation rules; nothing was stored or started. */
export class ValidationError extends AppError {
  override readonly name = 'ValidationError';
  readonly retryable = false;
  override readonly statusCode = 400;
  override readonly expose = true;

  constructor(readonly issues: readonly FieldIssue[]) {
    super(`Invalid delivery request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

/** The deliveryId is already used by a different request. */
export class ConflictError extends AppError {
  override readonly name = 'ConflictError';
  readonly retryable = false;
  override readonly statusCode = 409;
  override readonly expose = true;

  constructor(readonly deliveryId: string) {
    super(`Delivery ${deliveryId} already exists with a different request`);
  }
}

/** A required setting is missing or malformed. Raised at cold start, so a bad deploy fails loudly. */
export class ConfigError extends AppError {
  override readonly name = 'ConfigError';
  readonly retryable = false;
}

/** A delivery or attempt the caller named does not exist. */
export class NotFoundError extends AppError {
  override readonly name = 'NotFoundError';
  readonly retryable = false;
  override readonly statusCode = 404;
  override readonly expose = true;
}

/** A signed receipt we cannot use (not JSON, no event key, wrong shape). Parked in the DLQ, never retried. */
export class UnusableReceiptError extends AppError {
  override readonly name = 'UnusableReceiptError';
  readonly retryable = false;

  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Unusable receipt: ${reason}`, options);
  }
}

/**
 * A receipt names no attempt we know of yet: it can overtake the send-sms write of the message id, and
 * the `byMessage` index is eventually consistent. Retried through the queue; after the configured number
 * of receives the processor records it as an orphan instead.
 */
export class AttemptNotFoundError extends AppError {
  override readonly name = 'AttemptNotFoundError';
  readonly retryable = true;

  constructor(readonly messageId: string) {
    super(`No SMS attempt found for Sinch message ${messageId}`);
  }
}

/**
 * An SQS queue did not take a message (throttled, unreachable, missing). Answered with a 500 so the sender
 * (Sinch) retries: a receipt is never acknowledged unless it was enqueued or parked.
 */
export class QueueUnavailableError extends AppError {
  override readonly name = 'QueueUnavailableError';
  readonly retryable = true;
}

/** The HTTP method is not one the endpoint serves; `allow` is the `Allow` header RFC 9110 requires on a 405. */
export class MethodNotAllowedError extends HttpRequestError {
  constructor(readonly allow: readonly string[]) {
    super(405, `Method not allowed; use ${allow.join(', ')}`);
  }
}

/**
 * Failure classes of an SMS attempt, derived from Sinch reason codes. The workflow's task error is
 * `Sms.<Class>`, so these names are part of the contract with `statemachines/delivery.asl.yml`.
 */
export const FAILURE_CLASSES = [
  'Permanent',
  'Transient',
  'RateLimited',
  'Policy',
  'Config',
  'Unknown',
] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

/** The Step Functions error name for a failure class, e.g. `Sms.Transient`. */
export function smsErrorName(failureClass: FailureClass): `Sms.${FailureClass}` {
  return `Sms.${failureClass}`;
}

/** Sinch could not take the send request right now (5xx, 429, timeout, network). ASL retries it. */
export class SinchUnavailableError extends AppError {
  override readonly name = 'Sinch.Unavailable';
  readonly retryable = true;
  override readonly statusCode = 503;
  /**
   * True when `messages:send` went out and no answer came back (it timed out, or the connection dropped):
   * Sinch may have taken the message, so sending it again could deliver it twice.
   */
  readonly mayHaveBeenAccepted: boolean;

  constructor(
    message: string,
    readonly httpStatus?: number,
    options?: { cause?: unknown; mayHaveBeenAccepted?: boolean },
  ) {
    super(message, options);
    this.mayHaveBeenAccepted = options?.mayHaveBeenAccepted ?? false;
  }
}

/** Sinch refused the send request (a 4xx other than 429). Retrying the same request cannot help. */
export class SinchRejectedError extends AppError {
  override readonly name = 'Sinch.Rejected';
  readonly retryable = false;
  override readonly statusCode = 502;

  constructor(
    message: string,
    readonly httpStatus: number,
    readonly sinchCode?: string,
  ) {
    super(message);
  }
}

/**
 * AWS End User Messaging SMS could not take `SendTextMessage` right now (throttled, a fault on AWS's side, the
 * network). The secondary's counterpart of {@link SinchUnavailableError}; the state machine retries it.
 */
export class AwsSmsUnavailableError extends AppError {
  override readonly name = 'AwsSms.Unavailable';
  readonly retryable = true;
  override readonly statusCode = 503;

  /** @param awsError the name of AWS's error (`ThrottlingException`, …): only the name, never its message. */
  constructor(
    message: string,
    readonly awsError?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * AWS End User Messaging SMS refused `SendTextMessage` (validation, access, a quota such as the monthly
 * spend limit, an origination identity that cannot reach the country). Retrying the same request cannot help.
 */
export class AwsSmsRejectedError extends AppError {
  override readonly name = 'AwsSms.Rejected';
  readonly retryable = false;
  override readonly statusCode = 502;

  constructor(
    message: string,
    readonly awsError: string,
  ) {
    super(message);
  }
}

/** Any provider's send-side error: the message never left us. */
export type SmsSendError =
  SinchUnavailableError | SinchRejectedError | AwsSmsUnavailableError | AwsSmsRejectedError;

export function isSmsSendError(error: unknown): error is SmsSendError {
  return (
    error instanceof SinchUnavailableError ||
    error instanceof SinchRejectedError ||
    error instanceof AwsSmsUnavailableError ||
    error instanceof AwsSmsRejectedError
  );
}

/** A send-side refusal (as opposed to unavailability): the same request fails again. */
export function isSmsSendRefusal(error: unknown): error is SinchRejectedError | AwsSmsRejectedError {
  return error instanceof SinchRejectedError || error instanceof AwsSmsRejectedError;
}

/** What an email error may say about SES's answer besides its message. */
export interface EmailErrorOptions {
  readonly cause?: unknown;
  /**
   * The name of the SES error (`MessageRejected`, `Throttling`, …) when SES answered. Only the name: SES's
   * messages can quote the address, and these errors end up in the execution history.
   */
  readonly sesError?: string;
}

/** SES throttled the email or was briefly unavailable. ASL retries it. */
export class EmailUnavailableError extends AppError {
  override readonly name = 'Email.Unavailable';
  readonly retryable = true;
  override readonly statusCode = 503;
  /** See {@link EmailErrorOptions.sesError}. */
  readonly sesError?: string;

  constructor(message: string, options: EmailErrorOptions = {}) {
    super(message, options);
    this.sesError = options.sesError;
  }
}

/** SES rejected the email (bad address, unverified sender, suppression list). Not retried. */
export class EmailRejectedError extends AppError {
  override readonly name = 'Email.Rejected';
  readonly retryable = false;
  override readonly statusCode = 502;
  /** See {@link EmailErrorOptions.sesError}. */
  readonly sesError?: string;

  constructor(message: string, options: EmailErrorOptions = {}) {
    super(message, options);
    this.sesError = options.sesError;
  }
}

/**
 * An AWS service a workflow task called (DynamoDB, SES, SSM…) stayed throttled, failed on its side or could
 * not be reached, through the SDK's own retries. Step Functions retries the task with a longer backoff; the
 * workflow treats what still fails as a transient failure of the attempt, never as the end of the delivery.
 */
export class AwsUnavailableError extends AppError {
  override readonly name = 'Aws.Unavailable';
  readonly retryable = true;
  override readonly statusCode = 503;
}

/**
 * The code a delivery carries has expired, so a sending task refused to send it. The workflow records
 * `EXPIRED`; retrying cannot help because time only moves forward.
 */
export class DeliveryExpiredError extends AppError {
  override readonly name = 'Delivery.Expired';
  readonly retryable = false;
  override readonly statusCode = 410;

  constructor(
    readonly deliveryId: string,
    readonly expiresAt: string,
  ) {
    super(`Delivery ${deliveryId} expired at ${expiresAt}; nothing is sent`);
  }
}

/**
 * Every error name the workflow may match in `ErrorEquals`, besides the `States.*` built-ins.
 * The ASL structure test checks the definition against this list.
 */
export const TASK_ERROR_NAMES = [
  ...FAILURE_CLASSES.map(smsErrorName),
  'Sinch.Unavailable',
  'Sinch.Rejected',
  'AwsSms.Unavailable',
  'AwsSms.Rejected',
  'Email.Unavailable',
  'Email.Rejected',
  'Delivery.Expired',
  'Aws.Unavailable',
] as const;
