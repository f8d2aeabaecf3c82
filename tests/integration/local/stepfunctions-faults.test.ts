import {
  DescribeStateMachineCommand,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { createFaultInjector, type FaultInjector } from '../../../local/fault-injector';
import { startStepFunctionsStandIn, type StepFunctionsStandIn } from '../../../local/stepfunctions-stand-in';
import { createWorkflowEngine, type WorkflowEngine } from '../../../local/workflow-engine';

const DEFINITION = { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } };

describe('sfn-throttle: the Step Functions stand-in throttles', () => {
  let engine: WorkflowEngine;
  let standIn: StepFunctionsStandIn;
  let injector: FaultInjector;
  let sfn: SFNClient;

  const start = async (share: number): Promise<void> => {
    engine = createWorkflowEngine({ definition: DEFINITION, handlers: {} });
    injector = createFaultInjector({ faults: { sfnThrottle: share } });
    standIn = await startStepFunctionsStandIn({ engine, faults: injector });
    sfn = new SFNClient({
      region: 'us-east-1',
      endpoint: standIn.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      // The functions' setting: three attempts.
      maxAttempts: 3,
    });
  };

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error as { name: string; message: string; $metadata: Record<string, unknown> },
    );

  afterEach(async () => {
    sfn.destroy();
    await standIn.stop();
    await engine.close();
  });

  it('answers every StartExecution with ThrottlingException at a share of 1, and starts nothing', async () => {
    // Prepare
    await start(1);

    // Act
    const error = await failure(
      sfn.send(
        new StartExecutionCommand({ stateMachineArn: engine.stateMachineArn, name: 'd-1', input: '{}' }),
      ),
    );

    // Assess
    expect(error).toMatchObject({
      name: 'ThrottlingException',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400, attempts: 3 },
    });
    expect(engine.listExecutions()).toEqual([]);
    expect(injector.counts()['sfn-throttle']).toBe(3);
  });

  it('throttles SendTaskSuccess and SendTaskFailure before looking at the token', async () => {
    // Prepare
    await start(1);

    // Act
    const success = await failure(
      sfn.send(new SendTaskSuccessCommand({ taskToken: 'unknown', output: '{}' })),
    );
    const failed = await failure(sfn.send(new SendTaskFailureCommand({ taskToken: 'unknown', error: 'E' })));

    // Assess
    expect([success?.name, failed?.name]).toEqual(['ThrottlingException', 'ThrottlingException']);
  });

  it('leaves the other calls alone', async () => {
    // Prepare
    await start(1);

    // Act
    const described = await sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: engine.stateMachineArn }),
    );
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: engine.stateMachineArn }));

    // Assess
    expect(described.status).toBe('ACTIVE');
    expect(listed.executions).toEqual([]);
    expect(injector.counts()['sfn-throttle']).toBe(0);
  });

  it('throttles nothing at a share of 0', async () => {
    // Prepare
    await start(0);

    // Act
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: engine.stateMachineArn, name: 'd-2', input: '{}' }),
    );
    const invalid = await failure(
      sfn.send(new SendTaskSuccessCommand({ taskToken: 'unknown', output: '{}' })),
    );

    // Assess
    expect(started.executionArn).toContain(':execution:');
    expect(invalid?.name).toBe('InvalidToken');
  });
});
