import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { SmsDeliveredResult, SmsFailureCause } from '../table/delivery-model';
import { smsErrorName, type FailureClass } from '../shared/errors';

/**
 * The Step Functions adapter that wakes a `SendSms` task waiting with `.waitForTaskToken`.
 *
 * A token that is no longer open is an expected answer, not a failure: the task timed out and the
 * workflow moved on (resend or email), or another receipt already completed it. The caller records the
 * receipt as late. Everything else (throttling, network, access) is thrown so the SQS record is retried.
 */

/** `sent`: the workflow took the result. `closed`: the task was no longer waiting for it. */
export type CallbackResult = 'sent' | 'closed';

export interface WorkflowCallbacks {
  /** Completes the task with the delivered result (`SendTaskSuccess`). */
  succeed(taskToken: string, output: SmsDeliveredResult): Promise<CallbackResult>;
  /** Fails the task with `Sms.<Class>` and a JSON cause (`SendTaskFailure`). */
  fail(taskToken: string, failureClass: FailureClass, cause: SmsFailureCause): Promise<CallbackResult>;
}

// TaskTimedOut: the state timed out, or the token was already completed. InvalidToken: the token is
// malformed or belongs to a finished execution. TaskDoesNotExist: the execution is gone.
const CLOSED_TOKEN_ERRORS: ReadonlySet<string> = new Set([
  'TaskTimedOut',
  'InvalidToken',
  'TaskDoesNotExist',
]);

/** Whether an SFN error means the token is closed rather than that the call failed. */
export function isClosedTokenError(error: unknown): boolean {
  return error instanceof Error && CLOSED_TOKEN_ERRORS.has(error.name);
}

async function complete(send: () => Promise<unknown>): Promise<CallbackResult> {
  try {
    await send();
    return 'sent';
  } catch (error) {
    if (isClosedTokenError(error)) return 'closed';
    throw error;
  }
}

/**
 * Creates the callbacks over an SFN client. The client's own retry policy handles throttling first; what
 * still fails reaches the caller.
 *
 * @example
 * const callbacks = createWorkflowCallbacks(new SFNClient({}));
 * await callbacks.fail(token, 'Transient', { reasonCode: 'CHANNEL_FAILURE', messageId, attempt: 1 });
 * // SendTaskFailure(error = 'Sms.Transient', cause = '{"reasonCode":"CHANNEL_FAILURE",…}')
 */
export function createWorkflowCallbacks(sfn: SFNClient): WorkflowCallbacks {
  return {
    succeed: (taskToken, output) =>
      complete(() => sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }))),
    fail: (taskToken, failureClass, cause) =>
      complete(() =>
        sfn.send(
          new SendTaskFailureCommand({
            taskToken,
            error: smsErrorName(failureClass),
            cause: JSON.stringify(cause),
          }),
        ),
      ),
  };
}
