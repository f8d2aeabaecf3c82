import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonValue } from './asl-definition';
import { jsonProtocolError, writeAnswer } from './aws-error-responses';
import { NO_FAULTS, type FaultInjector } from './fault-injector';
import { listen, readBody } from './http-server';
import { WorkflowEngineError, type WorkflowEngine } from './workflow-engine';

/**
 * The Step Functions JSON API (`X-Amz-Target: AWSStepFunctions.<Action>`) in front of the local workflow
 * engine, so the send API, the processor and the support CLI use the ordinary `@aws-sdk/client-sfn` through
 * `AWS_ENDPOINT_URL_SFN`. Implemented: StartExecution, DescribeExecution, ListExecutions,
 * GetExecutionHistory, SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat, StopExecution,
 * DescribeStateMachine and ListStateMachines, with Step Functions' error names.
 *
 * `sfn-throttle=<share>` throttles that share of StartExecution, SendTaskSuccess and SendTaskFailure before
 * they run, with the answer Step Functions gives when a request rate is exceeded (HTTP 400
 * `ThrottlingException`, "Rate exceeded"; the SDK reads the code after the last `#` of `__type`).
 */

export const SFN_THROTTLING = {
  status: 400,
  type: 'com.amazonaws.swf.service.model.v20120823#ThrottlingException',
  message: 'Rate exceeded',
} as const;

/** The calls `sfn-throttle` throttles. */
export const SFN_THROTTLED_ACTIONS: ReadonlySet<string> = new Set([
  'StartExecution',
  'SendTaskSuccess',
  'SendTaskFailure',
]);

export interface StepFunctionsStandIn {
  /** For `AWS_ENDPOINT_URL_SFN` or a client's `endpoint`. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

type Input = Record<string, unknown>;

/** The JSON protocol carries timestamps as epoch seconds. */
function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, toWire(v)]),
    );
  }
  return value;
}

/** `includeExecutionData: false` leaves inputs and outputs out of every event, as on AWS. */
function withoutExecutionData(event: Record<string, unknown>): Record<string, unknown> {
  const strip = (details: unknown): unknown => {
    if (typeof details !== 'object' || details === null) return details;
    const copy = { ...(details as Record<string, unknown>) };
    for (const key of ['input', 'output', 'parameters', 'result']) delete copy[key];
    for (const key of ['inputDetails', 'outputDetails']) if (key in copy) copy[key] = { included: false };
    return copy;
  };
  return Object.fromEntries(
    Object.entries(event).map(([k, v]) => [k, k.endsWith('EventDetails') ? strip(v) : v]),
  );
}

/** Pagination tokens are opaque to callers; locally they are an offset. */
function page<T>(items: T[], input: Input): { items: T[]; nextToken?: string } {
  const start =
    typeof input.nextToken === 'string' ? Number(Buffer.from(input.nextToken, 'base64').toString()) : 0;
  if (!Number.isInteger(start) || start < 0) throw new ApiError('InvalidToken', 'Invalid pagination token');
  const max = typeof input.maxResults === 'number' && input.maxResults > 0 ? input.maxResults : 100;
  const end = start + Math.min(max, 1000);
  return {
    items: items.slice(start, end),
    nextToken: end < items.length ? Buffer.from(String(end)).toString('base64') : undefined,
  };
}

function requireString(input: Input, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new ApiError(
      'ValidationException',
      `1 validation error detected: Value at '${name}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

/**
 * Starts the API on 127.0.0.1 for one engine (one state machine).
 *
 * @example
 * const sfn = await startStepFunctionsStandIn({ engine });
 * new SFNClient({ endpoint: sfn.endpoint }).send(new StartExecutionCommand({ stateMachineArn, name, input }));
 */
export async function startStepFunctionsStandIn(options: {
  engine: WorkflowEngine;
  port?: number;
  /** Draws `sfn-throttle` (none when absent). */
  faults?: FaultInjector;
  /**
   * Awaited before a SendTaskSuccess/SendTaskFailure is applied: the scaled receipt timeout's deadline check
   * (`scaled-task-timeouts.ts`), which may time the task out first.
   */
  beforeTaskCompletion?: (taskToken: string) => Promise<void>;
}): Promise<StepFunctionsStandIn> {
  const { engine } = options;
  const faults = options.faults ?? NO_FAULTS;
  const createdAt = new Date();

  const checkMachine = (arn: string): void => {
    if (arn !== engine.stateMachineArn)
      throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  };

  const actions: Record<string, (input: Input) => unknown> = {
    StartExecution: (input) => {
      checkMachine(requireString(input, 'stateMachineArn'));
      const text = typeof input.input === 'string' ? input.input : '{}';
      let parsed: JsonValue;
      try {
        parsed = JSON.parse(text) as JsonValue;
      } catch {
        throw new ApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not JSON');
      }
      const name = typeof input.name === 'string' ? input.name : undefined;
      if (name !== undefined) {
        const existing = engine.listExecutions().find((execution) => execution.name === name);
        if (existing) {
          // Step Functions treats a repeat of a *running* execution with the same input as idempotent.
          const described = engine.describeExecution(existing.executionArn!);
          if (described.status === 'RUNNING' && described.input === JSON.stringify(parsed)) {
            return { executionArn: described.executionArn, startDate: described.startDate };
          }
          throw new ApiError(
            'ExecutionAlreadyExists',
            `Execution Already Exists: '${existing.executionArn}'`,
          );
        }
      }
      return engine.startExecution({ name, input: parsed });
    },
    DescribeExecution: (input) => engine.describeExecution(requireString(input, 'executionArn')),
    ListExecutions: (input) => {
      checkMachine(requireString(input, 'stateMachineArn'));
      const filter = typeof input.statusFilter === 'string' ? input.statusFilter : undefined;
      const all = engine.listExecutions().filter((execution) => !filter || execution.status === filter);
      const { items, nextToken } = page(all, input);
      return { executions: items, nextToken };
    },
    GetExecutionHistory: (input) => {
      let events = engine.getExecutionHistory(requireString(input, 'executionArn')) as unknown as Record<
        string,
        unknown
      >[];
      if (input.reverseOrder === true) events = [...events].reverse();
      if (input.includeExecutionData === false) events = events.map(withoutExecutionData);
      const { items, nextToken } = page(events, input);
      return { events: items, nextToken };
    },
    SendTaskSuccess: async (input) => {
      const token = requireString(input, 'taskToken');
      await options.beforeTaskCompletion?.(token);
      engine.sendTaskSuccess(token, requireString(input, 'output'));
      return {};
    },
    SendTaskFailure: async (input) => {
      await options.beforeTaskCompletion?.(requireString(input, 'taskToken'));
      engine.sendTaskFailure(
        requireString(input, 'taskToken'),
        typeof input.error === 'string' ? input.error : undefined,
        typeof input.cause === 'string' ? input.cause : undefined,
      );
      return {};
    },
    SendTaskHeartbeat: (input) => {
      engine.sendTaskHeartbeat(requireString(input, 'taskToken'));
      return {};
    },
    StopExecution: async (input) => {
      const stopped = await engine.stopExecution(requireString(input, 'executionArn'));
      return { stopDate: stopped.stopDate ?? new Date() };
    },
    DescribeStateMachine: (input) => {
      checkMachine(requireString(input, 'stateMachineArn'));
      return {
        stateMachineArn: engine.stateMachineArn,
        name: engine.stateMachineName,
        status: 'ACTIVE',
        definition: JSON.stringify(engine.definition),
        roleArn: engine.stateMachineArn.replace(
          /:states:[^:]+:(\d+):stateMachine:(.+)$/,
          ':iam::$1:role/$2-role',
        ),
        type: 'STANDARD',
        creationDate: createdAt,
      };
    },
    ListStateMachines: () => ({
      stateMachines: [
        {
          stateMachineArn: engine.stateMachineArn,
          name: engine.stateMachineName,
          type: 'STANDARD',
          creationDate: createdAt,
        },
      ],
    }),
  };

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(toWire(body)));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const name = target.replace(/^AWSStepFunctions\./, '');
    const action = actions[name];
    if (req.method !== 'POST' || !action) {
      send(res, 400, { __type: 'UnknownOperationException', message: `Unsupported operation: ${target}` });
      return;
    }
    try {
      const text = (await readBody(req)).toString('utf8');
      if (
        SFN_THROTTLED_ACTIONS.has(name) &&
        faults.strikes('sfn-throttle', name, `ThrottlingException (400) to Step Functions ${name}`)
      ) {
        writeAnswer(res, jsonProtocolError(SFN_THROTTLING));
        return;
      }
      const input = (text ? JSON.parse(text) : {}) as Input;
      send(res, 200, await action(input));
    } catch (error) {
      if (error instanceof ApiError || error instanceof WorkflowEngineError) {
        const type = error instanceof ApiError ? error.type : error.name;
        send(res, 400, { __type: type, message: error.message });
      } else {
        send(res, 500, {
          __type: 'InternalFailure',
          message: error instanceof Error ? error.message : String(error),
        });
      }
    }
  };

  const running = await listen(handle, options.port);
  return { endpoint: running.url, stop: running.stop };
}
