import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { createExecutionReader } from '../../../../cli/adapters/execution-reader';

const ARN = 'arn:aws:states:eu-west-1:1:execution:sm:d-1';

describe('createExecutionReader', () => {
  const sfn = mockClient(SFNClient);
  const reader = createExecutionReader(
    new SFNClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
  );
  const missing = () =>
    Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' });

  afterEach(() => sfn.reset());

  it('reads every page of the history and reports progress', async () => {
    // Prepare
    sfn
      .on(GetExecutionHistoryCommand, { executionArn: ARN, nextToken: undefined })
      .resolves({ events: [{ id: 1, type: 'ExecutionStarted', timestamp: new Date() }], nextToken: 'p2' })
      .on(GetExecutionHistoryCommand, { executionArn: ARN, nextToken: 'p2' })
      .resolves({ events: [{ id: 2, type: 'ExecutionSucceeded', timestamp: new Date() }] });
    const progress: number[] = [];

    // Act
    const events = await reader.history(ARN, (n) => progress.push(n));

    // Assess
    expect(events?.map((e) => e.id)).toEqual([1, 2]);
    expect(progress).toEqual([1, 2]);
    expect(sfn.commandCalls(GetExecutionHistoryCommand)[0]?.args[0].input).toMatchObject({
      maxResults: 1000,
    });
  });

  it('answers undefined for an execution that no longer exists', async () => {
    sfn.on(GetExecutionHistoryCommand).rejects(missing()).on(DescribeExecutionCommand).rejects(missing());

    await expect(reader.history(ARN)).resolves.toBeUndefined();
    await expect(reader.status(ARN)).resolves.toBeUndefined();
  });

  it('reads the execution status', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' } as never);

    await expect(reader.status(ARN)).resolves.toBe('RUNNING');
  });

  it('lets other errors through', async () => {
    sfn
      .on(GetExecutionHistoryCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));

    await expect(reader.history(ARN)).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});
