import './promise-with-resolvers';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type {
  DescribeExecutionOutput,
  ExecutionListItem,
  ExecutionStatus,
  HistoryEvent,
} from '@aws-sdk/client-sfn';
import { StateMachine } from 'aws-local-stepfunctions';
import {
  forEachState,
  loadAslDefinition,
  type DeploymentVariables,
  type JsonObject,
  type JsonValue,
  type TaskBinding,
} from './asl-definition';
import { ExecutionHistory, type EngineEvent, type TaskInvocation } from './execution-history';
import { LambdaServiceError } from './lambda-throttling';

/**
 * Runs a real ASL file (by default `statemachines/delivery.asl.yml`) with aws-local-stepfunctions 3.0.0,
 * and closes the gaps between that library and Step Functions that matter to a callback workflow:
 *
 * - **Task tokens.** The library has one `$$.Task.Token` per run. Here every task entry (and every retry of
 *   one) gets a freshly minted token, substituted into its parameters, and only that entry can be completed
 *   with it. A token whose entry timed out, finished, or whose execution ended answers `TaskTimedOut`; an
 *   unknown one `InvalidToken`, like Step Functions.
 * - **`TimeoutSecondsPath`.** Step Functions resolves it against the state input; the library against the
 *   effective input (after `Parameters`). The engine hands the library the value resolved the AWS way.
 * - **Task timeouts.** A Task without `TimeoutSeconds` has no timeout on AWS (the library's default is 60 s);
 *   here it gets the longest timer Node supports (about 24.8 days).
 * - **`ResultPath: $`** means "replace the input" on AWS; the library writes a key named `$`. The engine
 *   drops it, which means the same.
 * - **Bindings.** Each Task is bound to a local handler: a Lambda task (`lambda:invoke` with
 *   `Fn::GetAtt: [fn, Arn]`, or a function ARN) to `handlers[fn]`, which receives the invoke payload and
 *   returns what the function returns; a service integration (`arn:aws:states:::events:putEvents`) to
 *   `handlers['events:putEvents']`, which receives the resolved parameters and returns the service's answer.
 *   Errors thrown by a handler fail the task with the error's `name`, as Lambda reports it.
 * - **History.** {@link WorkflowEngine.getExecutionHistory} returns Step Functions history events
 *   (`TaskStateEntered`, `TaskScheduled`, `TaskSubmitted`, `TaskTimedOut`, `WaitStateEntered`, …).
 * - **Time.** `timeScale` multiplies every Wait and every Retry interval (0.02 runs minutes in seconds);
 *   task timeouts are not scaled. Scaled Waits run as timers inside the engine and still appear as Wait
 *   states in the history.
 *
 * The context object stays static per execution, as in the library (`$$.Execution.Id`/`Name` are set;
 * there is no `$$.State.EnteredTime`): decide anything that needs the current time in a task.
 * `HeartbeatSeconds` is not enforced and JSONata states are not supported.
 */

export const DELIVERY_DEFINITION_FILE = join(__dirname, '..', 'statemachines', 'delivery.asl.yml');

/** What a local handler learns about the task entry that called it. */
export interface LocalTaskContext {
  readonly executionArn: string;
  readonly executionName: string;
  readonly stateName: string;
  /** For `.waitForTaskToken` tasks: the token minted for this entry (it is also in the payload). */
  readonly taskToken?: string;
}

/** Runs one Task: a function's handler (gets the invoke payload) or a service integration (gets its parameters). */
export type LocalTaskHandler = (payload: JsonValue, context: LocalTaskContext) => unknown;

export interface WorkflowEngineOptions {
  /** The ASL file; defaults to {@link DELIVERY_DEFINITION_FILE}. Ignored when `definition` is given. */
  readonly definitionFile?: string;
  /** An already parsed definition (it may still hold Serverless variables and `Fn::GetAtt`). */
  readonly definition?: unknown;
  /** Handlers by function key (`sendSms`) or service action (`events:putEvents`). Every Task needs one. */
  readonly handlers: Readonly<Record<string, LocalTaskHandler>>;
  /** Values Serverless would substitute; defaults: service `receipt-driven-sms`, stage `local`, us-east-1. */
  readonly variables?: Partial<DeploymentVariables>;
  /** Defaults to `<service>-<stage>-delivery`, the name serverless.yml gives the deployed machine. */
  readonly stateMachineName?: string;
  /** Multiplies Wait durations and Retry intervals; 1 (the default) is real time. */
  readonly timeScale?: number;
  /** Mints task tokens; defaults to 48 random bytes, base64url. */
  readonly mintToken?: () => string;
}

/** Errors named as the Step Functions API names them, so the local JSON API can answer with `__type`. */
export class WorkflowEngineError extends Error {
  constructor(
    override readonly name:
      | 'InvalidToken'
      | 'TaskTimedOut'
      | 'InvalidOutput'
      | 'InvalidName'
      | 'ExecutionAlreadyExists'
      | 'ExecutionDoesNotExist',
    message: string,
  ) {
    super(message);
  }
}

export interface StartedExecution {
  readonly executionArn: string;
  readonly startDate: Date;
}

export interface WorkflowEngine {
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  /** The resolved definition (variables substituted), as it would be deployed. */
  readonly definition: JsonObject;
  /** Starts an execution; `name` defaults to a UUID and must be unique within the engine. `input` is JSON data. */
  startExecution(request: { readonly name?: string; readonly input?: unknown }): StartedExecution;
  describeExecution(executionArn: string): DescribeExecutionOutput;
  /** Newest first. */
  listExecutions(): ExecutionListItem[];
  /** The events so far, oldest first. */
  getExecutionHistory(executionArn: string): HistoryEvent[];
  /** Resolves when the execution has ended, with its final description. */
  waitForExecution(executionArn: string): Promise<DescribeExecutionOutput>;
  /** Completes the task entry that minted `taskToken`; `output` is JSON text, as in the API. */
  sendTaskSuccess(taskToken: string, output: string): void;
  /** Fails the task entry that minted `taskToken` with `error` (matched by Retry/Catch) and `cause`. */
  sendTaskFailure(taskToken: string, error?: string, cause?: string): void;
  /** Checks the token is open. Heartbeat timeouts are not enforced locally. */
  sendTaskHeartbeat(taskToken: string): void;
  /** Aborts a running execution (`ABORTED`). */
  stopExecution(executionArn: string): Promise<DescribeExecutionOutput>;
  /** Aborts every running execution and waits for them to end. */
  close(): Promise<void>;
}

/** setTimeout's limit: a longer timeout would fire at once. */
const MAX_TIMER_SECONDS = 2_147_483;
const TIMEOUT_KEY = '__localTimeoutSeconds';

type TokenState = 'OPEN' | 'COMPLETED' | 'TIMED_OUT' | 'CLOSED';

interface TokenEntry {
  readonly executionArn: string;
  readonly deadlineMs: number;
  state: TokenState;
  readonly settle: { resolve(value: JsonValue): void; reject(reason: Error): void };
}

interface ExecutionRecord {
  readonly executionArn: string;
  readonly name: string;
  readonly input: JsonValue;
  readonly startDate: Date;
  readonly history: ExecutionHistory;
  readonly aborter: AbortController;
  readonly tokens: Set<string>;
  /** The token of the entry each `.waitForTaskToken` state is in. */
  readonly currentToken: Map<string, string>;
  status: ExecutionStatus;
  stopDate?: Date;
  output?: JsonValue;
  error?: string;
  cause?: string;
  abort(): void;
  done: Promise<void>;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Values cross a Lambda boundary as JSON: `undefined` becomes null, dates become strings. */
function asJson(value: unknown): JsonValue {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as JsonValue);
}

function replaceDeep(value: JsonValue, placeholder: string, replacement: string): JsonValue {
  if (value === placeholder) return replacement;
  if (Array.isArray(value)) return value.map((item) => replaceDeep(item, placeholder, replacement));
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, replaceDeep(v, placeholder, replacement)]),
    );
  }
  return value;
}

/** Reads a simple reference path (`$.a.b`) the way a Step Functions reference path resolves. */
function readReferencePath(value: JsonValue, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = value;
  for (const segment of path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)) {
    current = isObject(current) ? current[segment] : undefined;
  }
  return current;
}

/**
 * A task error as Step Functions reports a Lambda's: named by its type, the cause a JSON description. An
 * error of the Lambda service itself (`Lambda.TooManyRequestsException`) keeps the service's message as
 * its cause, as Step Functions reports those.
 */
function taskError(error: unknown, binding: TaskBinding): Error {
  const name = error instanceof Error && error.name ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const failure = new Error(
    binding.target.kind === 'lambda' && !(error instanceof LambdaServiceError)
      ? JSON.stringify({
          errorType: name,
          errorMessage: message,
          trace: error instanceof Error ? (error.stack ?? '').split('\n') : [],
        })
      : message,
  );
  failure.name = name;
  return failure;
}

/** What `lambda:invoke` returns to the state machine (the SDK's Invoke response, payload parsed). */
function lambdaInvokeResponse(payload: JsonValue): JsonObject {
  return { ExecutedVersion: '$LATEST', Payload: payload, StatusCode: 200 };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) {
      resolve();
      return;
    }
    const timer = setTimeout(done, Math.min(ms, MAX_TIMER_SECONDS * 1000));
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

const NAME_PATTERN = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/]{1,80}$/;

/**
 * Creates an engine for one state machine.
 *
 * @example
 * const engine = createWorkflowEngine({
 *   handlers: { sendSms: sendSmsHandler, decideNext, sendEmail, recordOutcome, 'events:putEvents': putEvents },
 *   timeScale: 0.02,
 * });
 * const { executionArn } = engine.startExecution({ name: 'd-1', input: { deliveryId: 'd-1', expiresAt, policy } });
 * // …the processor calls engine.sendTaskSuccess(token, JSON.stringify(result)) …
 * const { status } = await engine.waitForExecution(executionArn);
 */
export function createWorkflowEngine(options: WorkflowEngineOptions): WorkflowEngine {
  const variables: DeploymentVariables = {
    service: options.variables?.service ?? 'receipt-driven-sms',
    stage: options.variables?.stage ?? 'local',
    region: options.variables?.region ?? 'us-east-1',
    accountId: options.variables?.accountId ?? '000000000000',
    params: options.variables?.params ?? {},
  };
  const stateMachineName = options.stateMachineName ?? `${variables.service}-${variables.stage}-delivery`;
  const stateMachineArn = `arn:aws:states:${variables.region}:${variables.accountId}:stateMachine:${stateMachineName}`;
  const roleArn = `arn:aws:iam::${variables.accountId}:role/${stateMachineName}-role`;
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error('timeScale must be a positive number');
  const mintToken = options.mintToken ?? (() => randomBytes(48).toString('base64url'));
  // What `$$.Task.Token` resolves to inside the library; replaced by a fresh token in each task entry.
  const tokenPlaceholder = `local-task-token-${randomUUID()}`;

  const { definition, tasks } = loadAslDefinition({
    definition: options.definition,
    file: options.definition === undefined ? (options.definitionFile ?? DELIVERY_DEFINITION_FILE) : undefined,
    variables,
  });
  for (const binding of tasks.values()) {
    if (!options.handlers[binding.handlerKey]) {
      throw new Error(`Task ${binding.stateName} needs a local handler named "${binding.handlerKey}"`);
    }
  }

  // Adapt a copy of the definition to the library (see the module comment); the original stays as deployed.
  // A JSON copy, not structuredClone: the library recognises objects by their prototype, and under Jest
  // structuredClone builds them in another realm.
  const adapted = JSON.parse(JSON.stringify(definition)) as JsonObject;
  const stateTypes = new Map<string, string>();
  const staticTimeout = new Map<string, number | undefined>();
  const timeoutPath = new Map<string, string>();
  const scaledWaits = new Set<string>();
  forEachState(definition, (name, state) => stateTypes.set(name, String(state.Type)));
  forEachState(adapted, (name, state) => {
    if (state.Type === 'Task') {
      if (state.ResultPath === '$') delete state.ResultPath;
      if (typeof state.TimeoutSecondsPath === 'string') {
        timeoutPath.set(name, state.TimeoutSecondsPath);
        if (isObject(state.Parameters)) {
          // Parameters resolve against the state input, which is where AWS reads TimeoutSecondsPath from.
          state.Parameters[`${TIMEOUT_KEY}.$`] = state.TimeoutSecondsPath;
          state.TimeoutSecondsPath = `$.${TIMEOUT_KEY}`;
        }
      } else {
        const seconds = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : undefined;
        staticTimeout.set(name, seconds);
        state.TimeoutSeconds = seconds ?? MAX_TIMER_SECONDS;
      }
      if (timeScale !== 1 && Array.isArray(state.Retry)) {
        for (const retrier of state.Retry as JsonObject[]) {
          retrier.IntervalSeconds =
            (typeof retrier.IntervalSeconds === 'number' ? retrier.IntervalSeconds : 1) * timeScale;
          if (typeof retrier.MaxDelaySeconds === 'number') retrier.MaxDelaySeconds *= timeScale;
        }
      }
    }
    if (state.Type === 'Wait' && timeScale !== 1) {
      // The library cannot scale a SecondsPath wait, so a scaled Wait runs as a task that sleeps.
      const { Seconds, SecondsPath, Timestamp, TimestampPath } = state;
      const parameters: JsonObject =
        Seconds !== undefined
          ? { seconds: Seconds }
          : SecondsPath !== undefined
            ? { 'seconds.$': SecondsPath }
            : Timestamp !== undefined
              ? { timestamp: Timestamp }
              : { 'timestamp.$': TimestampPath ?? null };
      for (const key of ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath']) delete state[key];
      Object.assign(state, {
        Type: 'Task',
        Resource: 'arn:aws:states:::local:wait',
        Parameters: parameters,
        ResultPath: null,
        TimeoutSeconds: MAX_TIMER_SECONDS,
      });
      scaledWaits.add(name);
    }
  });
  const machine = new StateMachine(adapted as never, { validationOptions: { noValidate: true } });

  const executions = new Map<string, ExecutionRecord>();
  const tokens = new Map<string, TokenEntry>();

  function closeToken(token: string | undefined, state: Exclude<TokenState, 'OPEN'>): void {
    const entry = token === undefined ? undefined : tokens.get(token);
    if (entry?.state !== 'OPEN') return;
    entry.state = state;
    // Nobody waits any more (the library settled the task); settle the promise so nothing dangles.
    entry.settle.resolve(null);
  }

  function openToken(token: string, record: ExecutionRecord, stateName: string, timeoutSeconds?: number) {
    let resolve!: (value: JsonValue) => void;
    let reject!: (reason: Error) => void;
    const promise = new Promise<JsonValue>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    tokens.set(token, {
      executionArn: record.executionArn,
      deadlineMs: Date.now() + (timeoutSeconds ?? MAX_TIMER_SECONDS) * 1000,
      state: 'OPEN',
      settle: { resolve, reject },
    });
    closeToken(record.currentToken.get(stateName), 'CLOSED');
    record.currentToken.set(stateName, token);
    record.tokens.add(token);
    return promise;
  }

  function openEntry(taskToken: string): TokenEntry {
    const entry = tokens.get(taskToken);
    if (!entry) throw new WorkflowEngineError('InvalidToken', 'Invalid token');
    if (entry.state === 'OPEN' && Date.now() >= entry.deadlineMs) entry.state = 'TIMED_OUT';
    if (entry.state !== 'OPEN') throw new WorkflowEngineError('TaskTimedOut', 'Task Timed Out');
    return entry;
  }

  function taskHandler(record: ExecutionRecord, stateName: string) {
    if (scaledWaits.has(stateName)) {
      return async (input: JsonValue): Promise<JsonValue> => {
        const seconds = isObject(input) ? input.seconds : undefined;
        const timestamp = isObject(input) ? input.timestamp : undefined;
        const ms =
          typeof seconds === 'number'
            ? seconds * 1000
            : typeof timestamp === 'string'
              ? Date.parse(timestamp) - Date.now()
              : 0;
        await sleep(ms * timeScale, record.aborter.signal);
        return null;
      };
    }
    const binding = tasks.get(stateName)!;
    const handler = options.handlers[binding.handlerKey]!;
    return async (effectiveInput: JsonValue): Promise<JsonValue> => {
      let parameters = effectiveInput;
      let timeoutSeconds = staticTimeout.get(stateName);
      if (isObject(parameters) && TIMEOUT_KEY in parameters) {
        const { [TIMEOUT_KEY]: resolved, ...rest } = parameters;
        timeoutSeconds = typeof resolved === 'number' ? resolved : undefined;
        parameters = rest;
      } else if (timeoutPath.has(stateName)) {
        const resolved = readReferencePath(parameters, timeoutPath.get(stateName)!);
        timeoutSeconds = typeof resolved === 'number' ? resolved : undefined;
      }
      const taskToken = binding.waitForTaskToken ? mintToken() : undefined;
      if (taskToken) parameters = replaceDeep(parameters, tokenPlaceholder, taskToken);

      const invocation: TaskInvocation = { binding, parameters, timeoutSeconds, taskToken };
      record.history.taskInvoked(stateName, invocation);
      const callback = taskToken ? openToken(taskToken, record, stateName, timeoutSeconds) : undefined;
      const isLambdaInvoke = binding.target.kind === 'lambda' && binding.target.integration === 'invoke';
      const payload = isLambdaInvoke && isObject(parameters) ? (parameters.Payload ?? null) : parameters;

      let answer: JsonValue;
      try {
        answer = asJson(
          await handler(payload, {
            executionArn: record.executionArn,
            executionName: record.name,
            stateName,
            taskToken,
          }),
        );
      } catch (error) {
        closeToken(taskToken, 'CLOSED');
        throw taskError(error, binding);
      }
      if (isLambdaInvoke) answer = lambdaInvokeResponse(answer);
      if (!callback) {
        invocation.result = answer;
        return answer;
      }
      record.history.taskSubmitted(stateName, invocation, answer);
      const output = await callback;
      invocation.result = output;
      return output;
    };
  }

  function finish(record: ExecutionRecord, event: EngineEvent): void {
    if (record.status !== 'RUNNING') return;
    record.stopDate = new Date();
    if (event.type === 'ExecutionSucceeded') {
      record.status = 'SUCCEEDED';
      record.output = event.output;
    } else if (event.type === 'ExecutionFailed') {
      record.status = 'FAILED';
      record.error = event.Error;
      record.cause = typeof event.Cause === 'string' ? event.Cause : JSON.stringify(event.Cause);
    } else if (event.type === 'ExecutionAborted') {
      record.status = 'ABORTED';
    } else {
      record.status = 'TIMED_OUT';
    }
    for (const token of record.tokens) closeToken(token, 'CLOSED');
  }

  function observe(record: ExecutionRecord, event: EngineEvent): void {
    if (event.type === 'StateFailed' && event.Error === 'States.Timeout') {
      closeToken(record.currentToken.get(event.state.name), 'TIMED_OUT');
    }
    if (
      ['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimeout'].includes(event.type)
    ) {
      finish(record, event);
    }
  }

  function find(executionArn: string): ExecutionRecord {
    const record = executions.get(executionArn);
    if (!record)
      throw new WorkflowEngineError('ExecutionDoesNotExist', `Execution does not exist: ${executionArn}`);
    return record;
  }

  function describe(record: ExecutionRecord): DescribeExecutionOutput {
    return {
      executionArn: record.executionArn,
      stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: record.startDate,
      stopDate: record.stopDate,
      input: JSON.stringify(record.input),
      inputDetails: { included: true },
      ...(record.status === 'SUCCEEDED' && {
        output: JSON.stringify(record.output ?? null),
        outputDetails: { included: true },
      }),
      ...(record.error !== undefined && { error: record.error, cause: record.cause }),
    };
  }

  return {
    stateMachineArn,
    stateMachineName,
    definition,

    startExecution({ name = randomUUID(), input = {} }) {
      if (!NAME_PATTERN.test(name)) throw new WorkflowEngineError('InvalidName', `Invalid Name: '${name}'`);
      const executionArn = `arn:aws:states:${variables.region}:${variables.accountId}:execution:${stateMachineName}:${name}`;
      if (executions.has(executionArn)) {
        throw new WorkflowEngineError(
          'ExecutionAlreadyExists',
          `Execution Already Exists: '${executionArn}'`,
        );
      }
      const record: ExecutionRecord = {
        executionArn,
        name,
        input: asJson(input),
        startDate: new Date(),
        history: new ExecutionHistory({ region: variables.region, roleArn, stateTypes }),
        aborter: new AbortController(),
        tokens: new Set(),
        currentToken: new Map(),
        status: 'RUNNING',
        abort: () => undefined,
        done: Promise.resolve(),
      };
      executions.set(executionArn, record);

      const handlers = Object.fromEntries(
        [...tasks.keys(), ...scaledWaits].map((stateName) => [stateName, taskHandler(record, stateName)]),
      );
      const run = machine.run(record.input, {
        overrides: { taskResourceLocalHandlers: handlers },
        noThrowOnAbort: true,
        context: {
          Execution: { Id: executionArn, Name: name, RoleArn: roleArn },
          StateMachine: { Id: stateMachineArn, Name: stateMachineName },
          Task: { Token: tokenPlaceholder },
        },
      });
      record.abort = () => {
        record.aborter.abort();
        run.abort();
      };
      const consumed = (async () => {
        for await (const event of run.eventLogs) {
          record.history.apply(event);
          observe(record, event);
        }
      })();
      // The outcome is read from the events; the result promise only has to be awaited.
      const settled = run.result.then(
        () => undefined,
        () => undefined,
      );
      record.done = Promise.all([consumed, settled]).then(
        () => undefined,
        (error: unknown) => {
          // A bug in the engine, not in the workflow: report it on the execution rather than crash the host.
          if (record.status === 'RUNNING') {
            record.status = 'FAILED';
            record.stopDate = new Date();
            record.error = 'Local.EngineError';
            record.cause = error instanceof Error ? error.message : String(error);
          }
        },
      );
      return { executionArn, startDate: record.startDate };
    },

    describeExecution: (executionArn) => describe(find(executionArn)),

    listExecutions: () =>
      [...executions.values()].reverse().map((record) => ({
        executionArn: record.executionArn,
        stateMachineArn,
        name: record.name,
        status: record.status,
        startDate: record.startDate,
        stopDate: record.stopDate,
      })),

    getExecutionHistory: (executionArn) => [...find(executionArn).history.events],

    async waitForExecution(executionArn) {
      const record = find(executionArn);
      await record.done;
      return describe(record);
    },

    sendTaskSuccess(taskToken, output) {
      const entry = openEntry(taskToken);
      let parsed: JsonValue;
      try {
        parsed = JSON.parse(output) as JsonValue;
      } catch {
        throw new WorkflowEngineError('InvalidOutput', 'Invalid output: not JSON');
      }
      entry.state = 'COMPLETED';
      entry.settle.resolve(parsed);
    },

    sendTaskFailure(taskToken, error, cause) {
      const entry = openEntry(taskToken);
      entry.state = 'COMPLETED';
      const failure = new Error(cause ?? '');
      failure.name = error ?? '';
      entry.settle.reject(failure);
    },

    sendTaskHeartbeat(taskToken) {
      openEntry(taskToken);
    },

    async stopExecution(executionArn) {
      const record = find(executionArn);
      if (record.status === 'RUNNING') record.abort();
      await record.done;
      return describe(record);
    },

    async close() {
      const running = [...executions.values()].filter((record) => record.status === 'RUNNING');
      for (const record of running) record.abort();
      await Promise.all(running.map((record) => record.done));
    },
  };
}
