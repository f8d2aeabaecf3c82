import { isDeepStrictEqual } from 'node:util';
import { DescribeExecutionCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { ConflictError } from '../shared/errors';
import type { ExecutionInput } from '../table/delivery-model';

/**
 * Starts the delivery workflow through Step Functions. The execution name is the delivery id, which makes
 * Step Functions itself the last line of idempotency: a name is unique per state machine for 90 days.
 */

export interface StartedExecution {
  readonly executionArn: string;
  /** True when an execution with this name and the same input was already there. */
  readonly alreadyStarted: boolean;
}

/**
 * The ARN Step Functions gives an execution: the state machine ARN with `stateMachine` replaced by
 * `execution`, followed by the execution name.
 *
 * @example
 * executionArnFor('arn:aws:states:eu-west-1:123456789012:stateMachine:delivery', 'd-1');
 * // 'arn:aws:states:eu-west-1:123456789012:execution:delivery:d-1'
 */
export function executionArnFor(stateMachineArn: string, executionName: string): string {
  const parts = stateMachineArn.split(':');
  if (parts.length !== 7 || parts[5] !== 'stateMachine') {
    throw new Error(`Not a state machine ARN: ${stateMachineArn}`);
  }
  parts[5] = 'execution';
  return `${parts.join(':')}:${executionName}`;
}

function isExecutionAlreadyExists(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'ExecutionAlreadyExists';
}

function parseInput(json: string | undefined): unknown {
  try {
    return json === undefined ? undefined : JSON.parse(json);
  } catch {
    return undefined;
  }
}

/**
 * The execution input: the delivery's identity plus the workflow state of SMS attempt 1, so the first state
 * can be `SendSms` itself instead of a `Pass` that sets them (one state transition less per delivery).
 * Every field a later `Parameters` path reads is present from the start: a missing path fails the execution
 * with `States.Runtime`.
 */
export function executionInputOf(input: ExecutionInput) {
  return {
    deliveryId: input.deliveryId,
    expiresAt: input.expiresAt,
    policy: input.policy,
    attempt: 1,
    failures: [],
    emailFailures: [],
    lastSmsFailure: null,
    // Who sends the attempt: null lets the send path choose for attempt 1 (the primary, unless the
    // stage's breaker has it open); DecideNextStep names it for every resend (failover-rules.ts).
    provider: null,
  };
}

/** What makes two executions the same delivery: its id, expiry and policy (not the start state's shape). */
function identityOf(input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return input;
  const { deliveryId, expiresAt, policy } = input as Partial<ExecutionInput>;
  return JSON.parse(JSON.stringify({ deliveryId, expiresAt, policy })) as unknown;
}

/** Starts the delivery workflow of one delivery; what `startDelivery` needs from Step Functions. */
export interface WorkflowStarter {
  /**
   * Starts the execution named after the delivery. The input is `{ deliveryId, expiresAt, policy }` and the
   * start state ({@link executionInputOf}): execution input is visible to anyone who can read the history, so
   * it never holds a recipient or text.
   *
   * A running Standard execution with the same name and input is returned by Step Functions as a success;
   * a finished one answers `ExecutionAlreadyExists`, which is a success here too when its input matches.
   *
   * @throws {ConflictError} when an execution of that name exists with a different input
   */
  start(input: ExecutionInput): Promise<StartedExecution>;
}

/**
 * Creates the starter of one state machine's executions over an SFN client.
 *
 * @example
 * const workflow = createWorkflowStarter(new SFNClient({}), config.deliveryStateMachineArn);
 * const { executionArn } = await workflow.start({ deliveryId, expiresAt, policy });
 */
export function createWorkflowStarter(client: SFNClient, stateMachineArn: string): WorkflowStarter {
  return {
    async start(input) {
      const execution = executionInputOf(input);
      try {
        const { executionArn } = await client.send(
          new StartExecutionCommand({
            stateMachineArn,
            name: execution.deliveryId,
            input: JSON.stringify(execution),
          }),
        );
        return {
          executionArn: executionArn ?? executionArnFor(stateMachineArn, execution.deliveryId),
          alreadyStarted: false,
        };
      } catch (error) {
        if (!isExecutionAlreadyExists(error)) throw error;
      }

      const executionArn = executionArnFor(stateMachineArn, execution.deliveryId);
      const existing = await client.send(new DescribeExecutionCommand({ executionArn }));
      // Compare parsed values: the same input may have been serialised with other whitespace or key order.
      if (!isDeepStrictEqual(identityOf(parseInput(existing.input)), identityOf(execution))) {
        throw new ConflictError(execution.deliveryId);
      }
      return { executionArn, alreadyStarted: true };
    },
  };
}
