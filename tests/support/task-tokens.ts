import {
  SFNClient,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  TaskTimedOut,
  type SendTaskFailureCommandInput,
  type SendTaskSuccessCommandInput,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * Step Functions' task-token rules, in memory, behind a mocked SFN client: a token completes once; a
 * second completion, or one after the task timed out, is refused with `TaskTimedOut`, as on AWS.
 */
export interface Completion {
  readonly taskToken: string;
  readonly kind: 'success' | 'failure';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: unknown;
}

export interface TaskTokens {
  readonly client: SFNClient;
  /** Opens a token, as a task entry with `.waitForTaskToken` does. */
  open(taskToken: string): void;
  /** Closes a token without a result, as a task timeout does. */
  expire(taskToken: string): void;
  /** Completions Step Functions accepted. */
  readonly completions: Completion[];
  /** Every SendTask* call, accepted or not. */
  calls(): number;
  /** Makes the next `count` calls fail with this error before touching any token. */
  failNext(error: Error, count?: number): void;
  restore(): void;
}

function closedError(): TaskTimedOut {
  return new TaskTimedOut({
    message: "Task Timed Out: 'Provided task does not exist anymore'",
    $metadata: {},
  });
}

export function fakeTaskTokens(): TaskTokens {
  const client = new SFNClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const mock = mockClient(client);
  const open = new Set<string>();
  const completions: Completion[] = [];
  const failures: Error[] = [];

  const complete = (taskToken: string, completion: Omit<Completion, 'taskToken'>): Record<string, never> => {
    const failure = failures.shift();
    if (failure) throw failure;
    if (!open.delete(taskToken)) throw closedError();
    completions.push({ taskToken, ...completion });
    return {};
  };

  mock
    .on(SendTaskSuccessCommand)
    .callsFake((input: SendTaskSuccessCommandInput) =>
      complete(input.taskToken!, { kind: 'success', output: JSON.parse(input.output ?? 'null') }),
    );
  mock.on(SendTaskFailureCommand).callsFake((input: SendTaskFailureCommandInput) =>
    complete(input.taskToken!, {
      kind: 'failure',
      error: input.error,
      cause: JSON.parse(input.cause ?? 'null'),
    }),
  );

  return {
    client,
    open: (taskToken) => void open.add(taskToken),
    expire: (taskToken) => void open.delete(taskToken),
    completions,
    calls: () =>
      mock.commandCalls(SendTaskSuccessCommand).length + mock.commandCalls(SendTaskFailureCommand).length,
    failNext: (error, count = 1) => {
      for (let i = 0; i < count; i += 1) failures.push(error);
    },
    restore: () => mock.restore(),
  };
}
