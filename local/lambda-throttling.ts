import type { LambdaError } from './lambda-runtime';

/**
 * How Lambda refuses an invocation it will not run (a throttle), as each kind of caller sees it:
 *
 * - the Invoke API and Function URLs: HTTP 429 `TooManyRequestsException`, body
 *   `{"Reason": …, "Type": "User", "message": "Rate Exceeded."}`;
 * - Step Functions' `lambda:invoke` integrations: the task fails with `Lambda.TooManyRequestsException`,
 *   the cause being the service's message, so the ASL's Retry on that name applies;
 * - an SQS event source mapping: the batch is not delivered; its messages stay in flight and come back after
 *   the visibility timeout.
 *
 * Throttles come from a function's `reservedConcurrency` (always enforced, as on AWS) or from the
 * `lambda-throttle=<share>` fault (modelled as the account's concurrency limit).
 */

/** Lambda's `Reason` for a throttle (the two the local host produces). */
export type ThrottleReason =
  /** More concurrent invocations than the function's reserved concurrency. */
  | 'ReservedFunctionConcurrentInvocationLimitExceeded'
  /** The account's concurrency is used up (what `lambda-throttle` models). */
  | 'ConcurrentInvocationLimitExceeded';

export const LAMBDA_THROTTLE_MESSAGE = 'Rate Exceeded.';
export const LAMBDA_THROTTLE_ERROR_TYPE = 'TooManyRequestsException';

export function throttleError(): LambdaError {
  return { errorType: LAMBDA_THROTTLE_ERROR_TYPE, errorMessage: LAMBDA_THROTTLE_MESSAGE, trace: [] };
}

/** The body of Lambda's 429 (Invoke API and Function URLs). */
export function throttleBody(reason: ThrottleReason): {
  Reason: ThrottleReason;
  Type: 'User';
  message: string;
} {
  return { Reason: reason, Type: 'User', message: LAMBDA_THROTTLE_MESSAGE };
}

/**
 * A Lambda *service* error as a Step Functions Lambda task reports it: named `Lambda.<Exception>`, with the
 * service's message as the cause (not the JSON `{errorType, errorMessage}` of an error the function threw).
 */
export class LambdaServiceError extends Error {
  constructor(
    readonly exception: string,
    readonly statusCode: number,
    readonly requestId: string,
    message: string,
  ) {
    super(
      `${message} (Service: AWSLambda; Status Code: ${statusCode}; Error Code: ${exception}; ` +
        `Request ID: ${requestId}; Proxy: null)`,
    );
    this.name = `Lambda.${exception}`;
  }
}

/** The error the workflow engine's Lambda task fails with when the invocation was throttled. */
export function throttledTaskError(requestId: string): LambdaServiceError {
  return new LambdaServiceError(LAMBDA_THROTTLE_ERROR_TYPE, 429, requestId, LAMBDA_THROTTLE_MESSAGE);
}
