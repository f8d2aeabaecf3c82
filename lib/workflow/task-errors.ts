import type { MiddlewareObj, Request } from '@middy/core';
import { isTransientAwsError } from '../shared/aws-errors';
import { AwsUnavailableError } from '../shared/errors';

/**
 * How a workflow task reports a fault of AWS itself, so the state machine can tell "AWS is busy" from "this
 * delivery is broken". Step Functions names the faults of Lambda itself (`Lambda.*`, below); a task names
 * the faults of the AWS services it calls `Aws.Unavailable` ({@link transientAwsErrors}, classified by `lib/shared/aws-errors.ts`). Both are retried
 * with a long backoff and then treated as a transient failure of the attempt: a throttled account must
 * never end a delivery whose code is still valid.
 */

/**
 * The errors Step Functions raises when Lambda could not run a task (throttled, or failing on its side).
 * Every Lambda task retries them first; `SendSms` and `SendEmail` then route them to `DecideNextStep`.
 */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

/**
 * The error a task should end with: a transient AWS SDK error becomes {@link AwsUnavailableError} (the
 * name the state machine retries and routes), keeping the original as its cause; anything else is unchanged.
 */
export function asTaskError(error: unknown): unknown {
  if (!isTransientAwsError(error)) return error;
  const name = (error as { name?: unknown }).name;
  return new AwsUnavailableError(
    `An AWS service stayed unavailable through the SDK's retries (${typeof name === 'string' ? name : 'unknown'})`,
    { cause: error },
  );
}

/**
 * Middy middleware for the workflow's task handlers: renames a transient AWS SDK error to `Aws.Unavailable`
 * on its way out ({@link asTaskError}). Register it last, so its `onError` runs first and every other
 * middleware (metrics, log keys) sees the error the state machine will see.
 *
 * @example
 * middy(handler).use(injectLambdaContext(logger)).use(logMetrics(metrics)).use(transientAwsErrors())
 */
export function transientAwsErrors<TEvent = unknown, TResult = unknown>(): MiddlewareObj<
  TEvent,
  TResult,
  Error
> {
  return {
    onError: (request: Request<TEvent, TResult, Error>) => {
      request.error = asTaskError(request.error) as Error;
    },
  };
}
