import {
  createWorkflowEngine,
  type LocalTaskContext,
  type WorkflowEngine,
} from '../../../local/workflow-engine';

/**
 * The engine's own contract, on small definitions: per-entry task tokens, AWS semantics where
 * aws-local-stepfunctions differs, scaled time, errors and the Step Functions history.
 */

const engines: WorkflowEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.close()));
});

function engineFor(
  definition: unknown,
  handlers: Parameters<typeof createWorkflowEngine>[0]['handlers'],
  timeScale = 1,
) {
  const engine = createWorkflowEngine({ definition, handlers, timeScale });
  engines.push(engine);
  return engine;
}

/** A task that waits for its token, with the token in the payload. */
const waitingTask = (extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
  Parameters: { FunctionName: { 'Fn::GetAtt': ['notify', 'Arn'] }, Payload: { 'token.$': '$$.Task.Token' } },
  ...extra,
});

async function eventually<T>(read: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('createWorkflowEngine', () => {
  it('mints a new token for every task entry and every retry, and passes it in the payload', async () => {
    // Prepare
    const seen: { payload: unknown; context: LocalTaskContext }[] = [];
    const engine = engineFor(
      {
        StartAt: 'Notify',
        States: {
          Notify: waitingTask({
            Retry: [{ ErrorEquals: ['Boom'], IntervalSeconds: 1, MaxAttempts: 1 }],
            Next: 'NotifyAgain',
          }),
          NotifyAgain: waitingTask({ End: true }),
        },
      },
      {
        notify: (payload, context) => {
          seen.push({ payload, context });
          if (seen.length === 1) throw Object.assign(new Error('first try fails'), { name: 'Boom' });
          return 'sent';
        },
      },
      0.01,
    );

    // Act
    const { executionArn } = engine.startExecution({ name: 'tokens' });
    const second = await eventually(() => seen[1]);
    engine.sendTaskSuccess(second.context.taskToken!, '{"step":1}');
    const third = await eventually(() => seen[2]);
    engine.sendTaskSuccess(third.context.taskToken!, '{"step":2}');
    const done = await engine.waitForExecution(executionArn);

    // Assess
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: '{"step":2}' });
    const tokens = seen.map(({ context }) => context.taskToken);
    expect(new Set(tokens).size).toBe(3);
    expect(seen.map(({ payload }) => payload)).toEqual(tokens.map((token) => ({ token })));
    expect(seen[0]!.context).toMatchObject({ executionArn, executionName: 'tokens', stateName: 'Notify' });
  });

  it('answers TaskTimedOut for a token whose entry completed, failed over or timed out, and InvalidToken for others', async () => {
    const tokens: string[] = [];
    const engine = engineFor(
      {
        StartAt: 'First',
        States: {
          First: waitingTask({
            TimeoutSeconds: 1,
            Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'Second' }],
            Next: 'Second',
          }),
          Second: waitingTask({ End: true }),
        },
      },
      { notify: (_payload, { taskToken }) => void tokens.push(taskToken!) },
    );

    const { executionArn } = engine.startExecution({});
    await eventually(() => tokens[1]);
    engine.sendTaskHeartbeat(tokens[1]!);
    expect(() => engine.sendTaskSuccess(tokens[0]!, '{}')).toThrow(
      expect.objectContaining({ name: 'TaskTimedOut' }),
    );
    engine.sendTaskSuccess(tokens[1]!, '{}');
    await engine.waitForExecution(executionArn);

    expect(() => engine.sendTaskSuccess(tokens[1]!, '{}')).toThrow(
      expect.objectContaining({ name: 'TaskTimedOut' }),
    );
    expect(() => engine.sendTaskFailure(tokens[1]!, 'Sms.Transient')).toThrow(
      expect.objectContaining({ name: 'TaskTimedOut' }),
    );
    expect(() => engine.sendTaskHeartbeat('not-a-token')).toThrow(
      expect.objectContaining({ name: 'InvalidToken' }),
    );
    const types = engine.getExecutionHistory(executionArn).map((event) => event.type);
    expect(types).toContain('TaskTimedOut');
  });

  it('resolves TimeoutSecondsPath against the state input, as Step Functions does', async () => {
    // `window` exists in the state input only, not in the effective input built by Parameters.
    const engine = engineFor(
      {
        StartAt: 'Wait',
        States: {
          Wait: waitingTask({
            TimeoutSecondsPath: '$.window',
            Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'TimedOut' }],
            End: true,
          }),
          TimedOut: { Type: 'Pass', End: true },
        },
      },
      { notify: () => null },
    );

    const { executionArn } = engine.startExecution({ input: { window: 1 } });
    const done = await engine.waitForExecution(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '{}')).toMatchObject({ window: 1, error: { Error: 'States.Timeout' } });
    const scheduled = engine
      .getExecutionHistory(executionArn)
      .find((event) => event.type === 'TaskScheduled');
    expect(scheduled?.taskScheduledEventDetails).toMatchObject({ timeoutInSeconds: 1 });
    // The engine's helper field never reaches the handler or the history.
    expect(scheduled?.taskScheduledEventDetails?.parameters).not.toContain('__local');
  });

  it('scales Wait states (also SecondsPath) and Retry intervals by timeScale, and still shows the Wait', async () => {
    let calls = 0;
    const engine = engineFor(
      {
        StartAt: 'Pause',
        States: {
          Pause: { Type: 'Wait', SecondsPath: '$.seconds', Next: 'Flaky' },
          Flaky: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: {
              FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:receipt-driven-sms-local-flaky',
            },
            Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 60, MaxAttempts: 2, BackoffRate: 2 }],
            End: true,
          },
        },
      },
      {
        flaky: () => {
          calls += 1;
          if (calls < 3) throw new Error('not yet');
          return { calls };
        },
      },
      0.0001,
    );

    // Without scaling this is 600 s of waiting plus 180 s of retries; the test timeout is 20 s.
    const { executionArn } = engine.startExecution({ input: { seconds: 600 } });
    const done = await engine.waitForExecution(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '{}')).toMatchObject({ Payload: { calls: 3 } });
    const types = engine.getExecutionHistory(executionArn).map((event) => event.type);
    expect(types.slice(0, 5)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'TaskStateEntered',
      'TaskScheduled',
    ]);
  });

  it('fails a task with the name of the error its handler threw, and a Lambda-style cause', async () => {
    const engine = engineFor(
      {
        StartAt: 'Send',
        States: {
          Send: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: { 'Fn::GetAtt': ['send', 'Arn'] }, Payload: {} },
            Catch: [{ ErrorEquals: ['Sinch.Rejected'], Next: 'Rejected' }],
            End: true,
          },
          Rejected: { Type: 'Fail', ErrorPath: '$.Error', CausePath: '$.Cause' },
        },
      },
      {
        send: () => {
          throw Object.assign(new Error('Sinch messages:send answered HTTP 400'), { name: 'Sinch.Rejected' });
        },
      },
    );

    const { executionArn } = engine.startExecution({});
    const done = await engine.waitForExecution(executionArn);

    expect(done).toMatchObject({ status: 'FAILED', error: 'Sinch.Rejected' });
    expect(JSON.parse(done.cause ?? '{}')).toMatchObject({
      errorType: 'Sinch.Rejected',
      errorMessage: 'Sinch messages:send answered HTTP 400',
    });
    const failed = engine.getExecutionHistory(executionArn).find((event) => event.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails).toMatchObject({ error: 'Sinch.Rejected', resourceType: 'lambda' });
  });

  it('binds a service integration by its action name and passes it the resolved parameters', async () => {
    const received: unknown[] = [];
    const engine = engineFor(
      {
        StartAt: 'Publish',
        States: {
          Publish: {
            Type: 'Task',
            Resource: 'arn:aws:states:::events:putEvents',
            Parameters: { Entries: [{ Source: 'app-${sls:stage}', 'Detail.$': '$.detail' }] },
            ResultPath: null,
            End: true,
          },
        },
      },
      { 'events:putEvents': (parameters) => void received.push(parameters) },
    );

    const { executionArn } = engine.startExecution({ input: { detail: { a: 1 } } });
    const done = await engine.waitForExecution(executionArn);

    expect(done).toMatchObject({ status: 'SUCCEEDED', output: '{"detail":{"a":1}}' });
    expect(received).toEqual([{ Entries: [{ Source: 'app-local', Detail: { a: 1 } }] }]);
  });

  it('treats ResultPath "$" as replacing the input, as Step Functions does', async () => {
    const engine = engineFor(
      {
        StartAt: 'Replace',
        States: {
          Replace: {
            Type: 'Task',
            Resource: 'arn:aws:lambda:us-east-1:000000000000:function:replace',
            ResultPath: '$',
            End: true,
          },
        },
      },
      { replace: () => ({ replaced: true }) },
    );

    const { executionArn } = engine.startExecution({ input: { original: true } });

    expect((await engine.waitForExecution(executionArn)).output).toBe('{"replaced":true}');
  });

  it('writes a Step Functions history in order', async () => {
    const engine = engineFor(
      {
        StartAt: 'Start',
        States: {
          Start: { Type: 'Pass', Next: 'Notify' },
          Notify: waitingTask({ Next: 'Done' }),
          Done: { Type: 'Succeed' },
        },
      },
      { notify: () => ({ accepted: true }) },
    );
    let token: string | undefined;
    const handlersSeen = engine.startExecution({ name: 'history' });

    await eventually(() => {
      const scheduled = engine
        .getExecutionHistory(handlersSeen.executionArn)
        .find((event) => event.type === 'TaskSubmitted');
      if (!scheduled) return undefined;
      const parameters = engine
        .getExecutionHistory(handlersSeen.executionArn)
        .find((event) => event.type === 'TaskScheduled')?.taskScheduledEventDetails?.parameters;
      token = (JSON.parse(parameters ?? '{}') as { Payload: { token: string } }).Payload.token;
      return token;
    });
    engine.sendTaskSuccess(token!, '{"receipt":"ok"}');
    await engine.waitForExecution(handlersSeen.executionArn);

    const history = engine.getExecutionHistory(handlersSeen.executionArn);
    expect(history.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(history.map((event) => event.id)).toEqual(history.map((_, index) => index + 1));
    expect(history[6]?.taskSubmittedEventDetails?.output).toBe(
      '{"ExecutedVersion":"$LATEST","Payload":{"accepted":true},"StatusCode":200}',
    );
    expect(history[7]?.taskSucceededEventDetails?.output).toBe('{"receipt":"ok"}');
  });

  it('aborts a waiting execution on stopExecution and closes its token', async () => {
    const tokens: string[] = [];
    const engine = engineFor(
      { StartAt: 'Notify', States: { Notify: waitingTask({ End: true }) } },
      { notify: (_payload, { taskToken }) => void tokens.push(taskToken!) },
    );

    const { executionArn } = engine.startExecution({});
    await eventually(() => tokens[0]);
    const stopped = await engine.stopExecution(executionArn);

    expect(stopped.status).toBe('ABORTED');
    expect(() => engine.sendTaskSuccess(tokens[0]!, '{}')).toThrow(
      expect.objectContaining({ name: 'TaskTimedOut' }),
    );
    expect(engine.listExecutions()).toEqual([expect.objectContaining({ executionArn, status: 'ABORTED' })]);
  });

  it('refuses a reused or malformed execution name and an unknown execution', () => {
    const engine = engineFor({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, {});

    engine.startExecution({ name: 'once' });

    expect(() => engine.startExecution({ name: 'once' })).toThrow(
      expect.objectContaining({ name: 'ExecutionAlreadyExists' }),
    );
    expect(() => engine.startExecution({ name: 'has space' })).toThrow(
      expect.objectContaining({ name: 'InvalidName' }),
    );
    expect(() => engine.describeExecution('arn:aws:states:us-east-1:0:execution:x:y')).toThrow(
      expect.objectContaining({ name: 'ExecutionDoesNotExist' }),
    );
  });

  it('refuses output that is not JSON', async () => {
    const tokens: string[] = [];
    const engine = engineFor(
      { StartAt: 'Notify', States: { Notify: waitingTask({ End: true }) } },
      { notify: (_payload, { taskToken }) => void tokens.push(taskToken!) },
    );
    engine.startExecution({});
    await eventually(() => tokens[0]);

    expect(() => engine.sendTaskSuccess(tokens[0]!, 'not json')).toThrow(
      expect.objectContaining({ name: 'InvalidOutput' }),
    );
  });

  it('needs a handler for every task, and a valid definition, before it runs anything', () => {
    expect(() => createWorkflowEngine({ handlers: {} })).toThrow(
      'Task SendSms needs a local handler named "sendSms"',
    );
    expect(() =>
      createWorkflowEngine({ definition: { StartAt: 'Nowhere', States: {} }, handlers: {} }),
    ).toThrow(/Invalid state machine definition/);
  });

  it('loads the delivery workflow by default, named as serverless.yml names it', () => {
    const noop = () => null;
    const engine = createWorkflowEngine({
      handlers: {
        sendSms: noop,
        decideNext: noop,
        sendEmail: noop,
        recordOutcome: noop,
      },
      variables: { stage: 'dev' },
    });

    expect(engine.stateMachineName).toBe('receipt-driven-sms-dev-delivery');
    expect(engine.stateMachineArn).toBe(
      'arn:aws:states:us-east-1:000000000000:stateMachine:receipt-driven-sms-dev-delivery',
    );
    expect(engine.definition.StartAt).toBe('SendSms');
  });
});
