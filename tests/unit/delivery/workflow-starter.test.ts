import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { ConflictError } from '../../../lib/shared/errors';
import type { ExecutionInput } from '../../../lib/table/delivery-model';
import { createWorkflowStarter, executionArnFor } from '../../../lib/delivery/workflow-starter';

const SM_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:receipt-driven-sms-test-delivery';
const EXECUTION_ARN = 'arn:aws:states:eu-west-1:123456789012:execution:receipt-driven-sms-test-delivery:d-1';
const INPUT: ExecutionInput = {
  deliveryId: 'd-1',
  expiresAt: '2030-01-01T12:10:00.000Z',
  policy: { maxSmsAttempts: 3, receiptTimeoutSeconds: 60, resendBackoffSeconds: [10, 30] },
};

const sfn = mockClient(SFNClient);
const alreadyExists = () =>
  new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} });

describe('createWorkflowStarter', () => {
  const starter = createWorkflowStarter(new SFNClient({ region: 'eu-west-1' }), SM_ARN);

  beforeEach(() => sfn.reset());

  it('starts an execution named after the delivery with its identity and the start state only', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: new Date() });

    const started = await starter.start({ ...INPUT, extra: 'never sent' } as ExecutionInput);

    expect(started).toEqual({ executionArn: EXECUTION_ARN, alreadyStarted: false });
    const call = sfn.commandCalls(StartExecutionCommand)[0]!;
    expect(call.args[0].input).toEqual({
      stateMachineArn: SM_ARN,
      name: 'd-1',
      input: JSON.stringify({
        ...INPUT,
        attempt: 1,
        failures: [],
        emailFailures: [],
        lastSmsFailure: null,
        provider: null,
      }),
    });
  });

  it('treats an execution started with the identity alone (an earlier version) as the same delivery', async () => {
    sfn.on(StartExecutionCommand).rejects(alreadyExists());
    sfn.on(DescribeExecutionCommand, { executionArn: EXECUTION_ARN }).resolves({
      executionArn: EXECUTION_ARN,
      input: JSON.stringify(INPUT),
    });

    await expect(starter.start(INPUT)).resolves.toMatchObject({ alreadyStarted: true });
  });

  it('treats an existing execution with the same input as already started', async () => {
    sfn.on(StartExecutionCommand).rejects(alreadyExists());
    sfn.on(DescribeExecutionCommand, { executionArn: EXECUTION_ARN }).resolves({
      executionArn: EXECUTION_ARN,
      // Same values, other key order and spacing.
      input: JSON.stringify({ policy: INPUT.policy, expiresAt: INPUT.expiresAt, deliveryId: 'd-1' }, null, 2),
    });

    await expect(starter.start(INPUT)).resolves.toEqual({
      executionArn: EXECUTION_ARN,
      alreadyStarted: true,
    });
  });

  it('reports a conflict when the existing execution has a different input', async () => {
    sfn.on(StartExecutionCommand).rejects(alreadyExists());
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: EXECUTION_ARN,
      input: JSON.stringify({ ...INPUT, expiresAt: '2030-01-01T12:20:00.000Z' }),
    });

    await expect(starter.start(INPUT)).rejects.toBeInstanceOf(ConflictError);
  });

  it('reports a conflict when the existing execution input is not JSON', async () => {
    sfn.on(StartExecutionCommand).rejects(alreadyExists());
    sfn.on(DescribeExecutionCommand).resolves({ executionArn: EXECUTION_ARN, input: 'not json' });

    await expect(starter.start(INPUT)).rejects.toBeInstanceOf(ConflictError);
  });

  it('lets every other Step Functions error through', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(new StateMachineDoesNotExist({ message: 'State Machine Does Not Exist', $metadata: {} }));

    await expect(starter.start(INPUT)).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });
});

describe('executionArnFor', () => {
  it('derives the execution ARN from the state machine ARN', () => {
    expect(executionArnFor(SM_ARN, 'd-1')).toBe(EXECUTION_ARN);
  });

  it('keeps the partition of the state machine', () => {
    expect(executionArnFor('arn:aws-cn:states:cn-north-1:123456789012:stateMachine:sm', 'x')).toBe(
      'arn:aws-cn:states:cn-north-1:123456789012:execution:sm:x',
    );
  });

  it('refuses an ARN that is not a state machine', () => {
    expect(() => executionArnFor('arn:aws:states:eu-west-1:123456789012:activity:a', 'x')).toThrow(
      'Not a state machine ARN',
    );
  });
});
