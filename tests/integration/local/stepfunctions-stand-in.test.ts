import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { withScaledTaskTimeouts, type ScaledTaskTimeouts } from '../../../local/scaled-task-timeouts';
import { startStepFunctionsStandIn, type StepFunctionsStandIn } from '../../../local/stepfunctions-stand-in';
import { createWorkflowEngine, type WorkflowEngine } from '../../../local/workflow-engine';

/** One callback task, as SendSms is: it waits for SendTaskSuccess/Failure with the token it was given. */
const DEFINITION = {
  StartAt: 'WaitForCallback',
  States: {
    WaitForCallback: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: { 'Fn::GetAtt': ['worker', 'Arn'] },
        Payload: { 'n.$': '$.n', 'taskToken.$': '$$.Task.Token' },
      },
      TimeoutSeconds: 60,
      Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'TimedOut' }],
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
    TimedOut: { Type: 'Fail', Error: 'Callback.TimedOut', Cause: 'no callback in time' },
  },
};

describe('Step Functions stand-in', () => {
  let engine: WorkflowEngine;
  let timeouts: ScaledTaskTimeouts;
  let standIn: StepFunctionsStandIn;
  let sfn: SFNClient;
  let tokens: Map<number, string>;
  let stateMachineArn: string;
  /** What the scaled timeouts' `settle` hook waits for (nothing unless a test sets it), and its calls. */
  let hold: Promise<void> | undefined;
  let settleCalls: string[];
  /** What the worker waits for before it returns (nothing unless a test sets it). */
  let workerHold: Promise<void> | undefined;
  /** What the `admits` hook answers for a completion past the scaled deadline, and its calls. */
  let admitted: boolean;
  let admitCalls: string[];

  const start = (name: string, n: number) =>
    sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ n }) }));

  const tokenFor = async (n: number): Promise<string> => {
    const deadline = Date.now() + 5000;
    while (!tokens.has(n)) {
      if (Date.now() > deadline) throw new Error(`no task token for ${n}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return tokens.get(n)!;
  };

  const finished = async (executionArn: string): Promise<DescribeExecutionCommandOutput> => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (described.status !== 'RUNNING') return described;
      if (Date.now() > deadline) throw new Error('execution did not finish');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  beforeEach(async () => {
    tokens = new Map();
    hold = undefined;
    settleCalls = [];
    admitted = true;
    admitCalls = [];
    workerHold = undefined;
    timeouts = withScaledTaskTimeouts(
      {
        worker: async (payload) => {
          const { n, taskToken } = payload as { n: number; taskToken: string };
          tokens.set(n, taskToken);
          await workerHold;
          return { accepted: true };
        },
      },
      {
        factor: 0.005,
        engine: () => engine,
        settle: (context) => {
          settleCalls.push(context.executionName);
          return hold ?? Promise.resolve();
        },
        admits: (context) => {
          admitCalls.push(context.executionName);
          return Promise.resolve(admitted);
        },
      },
    );
    engine = createWorkflowEngine({
      definition: DEFINITION,
      handlers: timeouts.handlers,
      stateMachineName: 'fixture',
    });
    stateMachineArn = engine.stateMachineArn;
    standIn = await startStepFunctionsStandIn({ engine, beforeTaskCompletion: timeouts.beforeCompletion });
    sfn = new SFNClient({
      region: 'us-east-1',
      endpoint: standIn.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });

  afterEach(async () => {
    timeouts.dispose();
    sfn.destroy();
    await standIn.stop();
    await engine.close();
  });

  it('starts an execution and completes its task with SendTaskSuccess', async () => {
    // Act
    const { executionArn, startDate } = await start('run-1', 1);
    await sfn.send(
      new SendTaskSuccessCommand({ taskToken: await tokenFor(1), output: '{"delivered":true}' }),
    );
    const described = await finished(executionArn!);

    // Assess
    expect(executionArn).toBe(`${stateMachineArn.replace(':stateMachine:', ':execution:')}:run-1`);
    expect(startDate).toBeInstanceOf(Date);
    expect(described).toMatchObject({ status: 'SUCCEEDED', name: 'run-1', input: '{"n":1}' });
    expect(JSON.parse(described.output!)).toEqual({ delivered: true });
    expect(described.stopDate).toBeInstanceOf(Date);
  });

  it('treats a repeat of a running execution with the same input as the same execution', async () => {
    const first = await start('run-1', 1);
    const again = await start('run-1', 1);

    expect(again.executionArn).toBe(first.executionArn);
  });

  it('refuses the name of an execution with other input, or one that has ended', async () => {
    // Prepare
    const { executionArn } = await start('run-1', 1);

    // Act & Assess
    await expect(start('run-1', 2)).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    await sfn.send(new SendTaskSuccessCommand({ taskToken: await tokenFor(1), output: '{}' }));
    await finished(executionArn!);
    await expect(start('run-1', 1)).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('fails the task with SendTaskFailure, by error name', async () => {
    const { executionArn } = await start('run-1', 1);

    await sfn.send(
      new SendTaskFailureCommand({ taskToken: await tokenFor(1), error: 'Sms.Permanent', cause: '{"x":1}' }),
    );

    expect(await finished(executionArn!)).toMatchObject({ status: 'FAILED', error: 'Sms.Permanent' });
  });

  it('accepts a heartbeat for an open token, and answers TaskTimedOut once it is closed, InvalidToken if unknown', async () => {
    // Prepare
    const { executionArn } = await start('run-1', 1);
    const token = await tokenFor(1);

    // Act & Assess
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
    await finished(executionArn!);
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: 'nope', output: '{}' })),
    ).rejects.toMatchObject({
      name: 'InvalidToken',
    });
  });

  it('times a callback task out after the scaled timeout, with a TaskTimedOut history event', async () => {
    // 60 s × 0.005 = 0.3 s
    const { executionArn } = await start('run-1', 1);

    const described = await finished(executionArn!);
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));

    expect(described).toMatchObject({ status: 'FAILED', error: 'Callback.TimedOut' });
    expect(events?.map((e) => e.type)).toContain('TaskTimedOut');
  });

  it('holds a due scaled timeout while settle waits, so a callback sent meanwhile still counts', async () => {
    // Prepare: the timeout is due after 0.3 s, and settle holds it until released
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    const { executionArn } = await start('run-1', 1);
    const token = await tokenFor(1);
    while (settleCalls.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));

    // Act: the report arrives while the timeout is held
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"delivered":true}' }));
    release();
    const described = await finished(executionArn!);

    // Assess
    expect(settleCalls).toEqual(['run-1']);
    expect(admitCalls).toEqual(['run-1']);
    expect(described).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('answers TaskTimedOut to a callback past the scaled deadline that admits refuses, though the timer is late', async () => {
    // Prepare: the timeout is due after 0.3 s; settle holds it, as a late timer on a busy machine would
    hold = new Promise(() => undefined);
    admitted = false;
    const { executionArn } = await start('run-1', 1);
    const token = await tokenFor(1);
    while (settleCalls.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));

    // Act: a report that came after the deadline
    const sent = sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"delivered":true}' }));

    // Assess: refused as AWS refuses a timed-out token, and the task ended as timed out
    await expect(sent).rejects.toMatchObject({ name: 'TaskTimedOut' });
    expect(admitCalls).toEqual(['run-1']);
    const described = await finished(executionArn!);
    expect(described).toMatchObject({ status: 'FAILED', error: 'Callback.TimedOut' });
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events?.map((e) => e.type)).toContain('TaskTimedOut');
  });

  it('answers TaskTimedOut to a callback past the scaled deadline while the task’s handler still runs', async () => {
    // Prepare: the worker has handed out its token but has not returned, as a slow sendSms after the send
    let release!: () => void;
    workerHold = new Promise((resolve) => (release = resolve));
    admitted = false;
    const { executionArn } = await start('run-1', 1);
    const token = await tokenFor(1);
    await new Promise((resolve) => setTimeout(resolve, 400));

    // Act: a report that came after the 0.3 s deadline
    const sent = sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"delivered":true}' }));

    // Assess
    await expect(sent).rejects.toMatchObject({ name: 'TaskTimedOut' });
    expect(admitCalls).toEqual(['run-1']);
    release();
    expect(await finished(executionArn!)).toMatchObject({ status: 'FAILED', error: 'Callback.TimedOut' });
  });

  it('completes a callback before the scaled deadline without asking admits', async () => {
    admitted = false;
    const { executionArn } = await start('run-1', 1);

    await sfn.send(new SendTaskSuccessCommand({ taskToken: await tokenFor(1), output: '{}' }));

    expect(await finished(executionArn!)).toMatchObject({ status: 'SUCCEEDED' });
    expect(admitCalls).toEqual([]);
  });

  it('lists executions newest first, by status, a page at a time', async () => {
    // Prepare
    await start('run-1', 1);
    const second = await start('run-2', 2);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: await tokenFor(2), output: '{}' }));
    await finished(second.executionArn!);

    // Act
    const firstPage = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1 }));
    const secondPage = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn, maxResults: 1, nextToken: firstPage.nextToken }),
    );
    const succeeded = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn, statusFilter: 'SUCCEEDED' }),
    );

    // Assess
    expect(firstPage.executions?.map((e) => e.name)).toEqual(['run-2']);
    expect(secondPage.executions?.map((e) => e.name)).toEqual(['run-1']);
    expect(secondPage.nextToken).toBeUndefined();
    expect(succeeded.executions?.map((e) => e.name)).toEqual(['run-2']);
  });

  it('returns the history with Step Functions event types, reversed or without execution data on request', async () => {
    // Prepare
    const { executionArn } = await start('run-1', 1);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: await tokenFor(1), output: '{}' }));
    await finished(executionArn!);

    // Act
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    const reversed = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));
    const bare = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }),
    );

    // Assess
    const types = history.events!.map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types).toEqual(expect.arrayContaining(['TaskStateEntered', 'TaskScheduled', 'TaskSucceeded']));
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(history.events![0]!.timestamp).toBeInstanceOf(Date);
    expect(reversed.events!.map((e) => e.type)).toEqual([...types].reverse());
    expect(history.events![0]!.executionStartedEventDetails?.input).toBe('{"n":1}');
    expect(bare.events![0]!.executionStartedEventDetails?.input).toBeUndefined();
  });

  it('stops a running execution', async () => {
    const { executionArn } = await start('run-1', 1);

    const { stopDate } = await sfn.send(new StopExecutionCommand({ executionArn }));

    expect(stopDate).toBeInstanceOf(Date);
    expect(await finished(executionArn!)).toMatchObject({ status: 'ABORTED' });
  });

  it('describes its one state machine', async () => {
    const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn }));

    expect(described).toMatchObject({ name: 'fixture', status: 'ACTIVE', type: 'STANDARD' });
    expect(JSON.parse(described.definition!)).toMatchObject({ StartAt: 'WaitForCallback' });
  });

  it.each([
    [
      'an unknown execution',
      () => sfn.send(new DescribeExecutionCommand({ executionArn: 'arn:nope' })),
      'ExecutionDoesNotExist',
    ],
    [
      'another state machine',
      () => sfn.send(new StartExecutionCommand({ stateMachineArn: `${stateMachineArn}-other`, input: '{}' })),
      'StateMachineDoesNotExist',
    ],
    [
      'input that is not JSON',
      () => sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{nope' })),
      'InvalidExecutionInput',
    ],
  ])('answers %s with the Step Functions error name', async (_case, call, name) => {
    await expect(call()).rejects.toMatchObject({ name });
  });
});
