import {
  InvalidToken,
  SFNClient,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { createWorkflowCallbacks, isClosedTokenError } from '../../../lib/receipts/workflow-callbacks';

const sfnMock = mockClient(SFNClient);
const callbacks = createWorkflowCallbacks(new SFNClient({ region: 'us-east-1' }));
const delivered = {
  status: 'DELIVERED',
  messageId: 'm-1',
  attempt: 2,
  statusAt: '2026-03-02T10:15:34Z',
} as const;

describe('workflow callbacks', () => {
  beforeEach(() => sfnMock.reset());

  it('completes the task with the delivered result as JSON output', async () => {
    sfnMock.on(SendTaskSuccessCommand).resolves({});

    await expect(callbacks.succeed('token-1', delivered)).resolves.toBe('sent');

    expect(sfnMock.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({
      taskToken: 'token-1',
      output: JSON.stringify(delivered),
    });
  });

  it('fails the task with the Sms.<Class> error name and a JSON cause', async () => {
    sfnMock.on(SendTaskFailureCommand).resolves({});
    const cause = { reasonCode: 'RATE_LIMITED', messageId: 'm-1', attempt: 1 };

    await expect(callbacks.fail('token-1', 'RateLimited', cause)).resolves.toBe('sent');

    expect(sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toEqual({
      taskToken: 'token-1',
      error: 'Sms.RateLimited',
      cause: JSON.stringify(cause),
    });
  });

  it.each([
    ['TaskTimedOut', new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} })],
    ['InvalidToken', new InvalidToken({ message: 'Invalid token', $metadata: {} })],
    ['TaskDoesNotExist', new TaskDoesNotExist({ message: 'Task does not exist', $metadata: {} })],
  ])('answers "closed" instead of failing when Step Functions says %s', async (_name, error) => {
    sfnMock.on(SendTaskSuccessCommand).rejects(error);

    await expect(callbacks.succeed('token-1', delivered)).resolves.toBe('closed');
  });

  it('throws throttling and every other error, so the record is retried', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    sfnMock.on(SendTaskFailureCommand).rejects(throttled);

    await expect(
      callbacks.fail('token-1', 'Transient', { reasonCode: 'INTERNAL_ERROR', messageId: 'm', attempt: 1 }),
    ).rejects.toBe(throttled);
    expect(isClosedTokenError(throttled)).toBe(false);
    expect(isClosedTokenError('TaskTimedOut')).toBe(false);
  });
});
