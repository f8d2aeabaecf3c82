import type { HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import type { StateMachine } from 'aws-local-stepfunctions';
import type { JsonValue, TaskBinding } from './asl-definition';

/**
 * Builds a Step Functions execution history (`GetExecutionHistory` event types and detail shapes) from
 * what aws-local-stepfunctions reports (state entered/exited/failed/retried/caught) and what the engine's
 * task wrappers saw (the parameters sent, the Lambda's answer, the task's result).
 *
 * Differences from AWS, kept on purpose: `previousEventId` is simply the preceding event; Map iterations
 * and Parallel branches show only their enclosing state's entered/exited events.
 */

/** One event as aws-local-stepfunctions emits it. */
export type EngineEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** One call of a task's local handler: a task entry, or a retry of one. */
export interface TaskInvocation {
  readonly binding: TaskBinding;
  /** The effective parameters (after `Parameters`, with the minted task token). */
  readonly parameters: JsonValue;
  /** The task's timeout, when it has one. */
  readonly timeoutSeconds?: number;
  readonly taskToken?: string;
  /** What the Lambda answered before the task started waiting for its token. */
  submittedOutput?: JsonValue;
  /** The task's result: the Lambda/service answer, or the SendTaskSuccess output. */
  result?: JsonValue;
}

type DetailsKey = Exclude<keyof HistoryEvent, 'id' | 'previousEventId' | 'timestamp' | 'type'>;

const json = (value: unknown): string => JSON.stringify(value ?? null);

export class ExecutionHistory {
  readonly events: HistoryEvent[] = [];
  private readonly pending = new Map<string, TaskInvocation[]>();
  /** The task entry each Task state is in (or was last in), and whether its outcome was written. */
  private readonly current = new Map<string, { invocation: TaskInvocation; finished: boolean }>();

  /**
   * @param stateTypes - the type each state has in the original definition (the engine may run a Wait
   *   state as a Task to scale its duration; the history still shows a Wait)
   */
  constructor(
    private readonly options: {
      readonly region: string;
      readonly roleArn: string;
      readonly stateTypes: ReadonlyMap<string, string>;
      readonly now?: () => Date;
    },
  ) {}

  /** Called by a task wrapper when it invokes the local handler, synchronously within the task entry. */
  taskInvoked(stateName: string, invocation: TaskInvocation): void {
    const queue = this.pending.get(stateName) ?? [];
    queue.push(invocation);
    this.pending.set(stateName, queue);
  }

  /** Called when the Lambda of a `.waitForTaskToken` task returned and the task started waiting. */
  taskSubmitted(stateName: string, invocation: TaskInvocation, output: JsonValue): void {
    invocation.submittedOutput = output;
    const entry = this.current.get(stateName);
    // If the history has not reached this entry yet, the event is written when it does.
    if (entry?.invocation === invocation && !entry.finished) {
      this.push('TaskSubmitted', 'taskSubmittedEventDetails', {
        ...this.resource(invocation),
        output: json(output),
      });
    }
  }

  /** Adds the events for one engine event. Events must be applied in the order the engine emitted them. */
  apply(event: EngineEvent): void {
    switch (event.type) {
      case 'ExecutionStarted':
        this.push('ExecutionStarted', 'executionStartedEventDetails', {
          input: json(event.input),
          inputDetails: { truncated: false },
          roleArn: this.options.roleArn,
        });
        return;
      case 'ExecutionSucceeded':
        this.push('ExecutionSucceeded', 'executionSucceededEventDetails', {
          output: json(event.output),
          outputDetails: { truncated: false },
        });
        return;
      case 'ExecutionFailed':
        this.push('ExecutionFailed', 'executionFailedEventDetails', {
          error: event.Error,
          cause: typeof event.Cause === 'string' ? event.Cause : json(event.Cause),
        });
        return;
      case 'ExecutionAborted':
        this.push('ExecutionAborted', 'executionAbortedEventDetails', {});
        return;
      case 'ExecutionTimeout':
        this.push('ExecutionTimedOut', 'executionTimedOutEventDetails', {});
        return;
      case 'StateEntered':
        this.stateEntered(event.state.name, event.state.input);
        return;
      case 'StateRetried':
        this.taskStarted(event.state.name);
        return;
      case 'StateExited':
        this.stateExited(event.state.name, event.state.output ?? null);
        return;
      case 'StateFailed':
        this.stateFailed(event.state.name, event.Error, event.Cause);
        return;
      default:
        // StateCaught is followed by StateExited; Map iteration and Parallel branch events are not shown.
        return;
    }
  }

  private typeOf(stateName: string): string {
    return this.options.stateTypes.get(stateName) ?? 'Task';
  }

  private stateEntered(name: string, input: JsonValue): void {
    const type = this.typeOf(name);
    this.push(`${type}StateEntered`, 'stateEnteredEventDetails', {
      name,
      input: json(input),
      inputDetails: { truncated: false },
    });
    if (type === 'Task') this.taskStarted(name);
  }

  /** A task entry or retry: its invocation was recorded synchronously, just before this event was read. */
  private taskStarted(name: string): void {
    const invocation = this.pending.get(name)?.shift();
    if (!invocation) return; // Failed before calling anything (e.g. a Parameters path that did not resolve).
    this.current.set(name, { invocation, finished: false });
    this.push('TaskScheduled', 'taskScheduledEventDetails', {
      ...this.resource(invocation),
      region: this.options.region,
      parameters: json(invocation.parameters),
      ...(invocation.timeoutSeconds !== undefined && { timeoutInSeconds: invocation.timeoutSeconds }),
    });
    this.push('TaskStarted', 'taskStartedEventDetails', this.resource(invocation));
    if (invocation.submittedOutput !== undefined) {
      this.push('TaskSubmitted', 'taskSubmittedEventDetails', {
        ...this.resource(invocation),
        output: json(invocation.submittedOutput),
      });
    }
  }

  private stateExited(name: string, output: JsonValue): void {
    const type = this.typeOf(name);
    const entry = this.current.get(name);
    if (type === 'Task' && entry && !entry.finished) {
      entry.finished = true;
      this.push('TaskSucceeded', 'taskSucceededEventDetails', {
        ...this.resource(entry.invocation),
        output: json(entry.invocation.result),
        outputDetails: { truncated: false },
      });
    }
    this.push(`${type}StateExited`, 'stateExitedEventDetails', {
      name,
      output: json(output),
      outputDetails: { truncated: false },
    });
  }

  private stateFailed(name: string, error: string, cause: unknown): void {
    const entry = this.current.get(name);
    if (this.typeOf(name) !== 'Task' || !entry || entry.finished) return;
    entry.finished = true;
    const details = {
      ...this.resource(entry.invocation),
      error,
      cause: typeof cause === 'string' ? cause : json(cause),
    };
    if (error === 'States.Timeout') this.push('TaskTimedOut', 'taskTimedOutEventDetails', details);
    else this.push('TaskFailed', 'taskFailedEventDetails', details);
  }

  private resource(invocation: TaskInvocation): { resourceType: string; resource: string } {
    return { resourceType: invocation.binding.resourceType, resource: invocation.binding.resource };
  }

  private push(type: string, detailsKey: DetailsKey, details: Record<string, unknown>): void {
    const id = this.events.length + 1;
    this.events.push({
      id,
      previousEventId: id - 1,
      timestamp: (this.options.now ?? (() => new Date()))(),
      type: type as HistoryEventType,
      [detailsKey]: details,
    } as HistoryEvent);
  }
}
