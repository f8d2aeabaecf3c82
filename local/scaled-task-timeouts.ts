import { forEachState, type JsonObject, type JsonValue } from './asl-definition';
import type { LocalTaskContext, LocalTaskHandler, WorkflowEngine } from './workflow-engine';

/**
 * `--fast` for the receipt timeout. The workflow engine scales Wait states and Retry intervals but keeps a
 * task's `TimeoutSeconds` in real time, so a `.waitForTaskToken` task (SendSms waiting for its delivery
 * report) would still wait the policy's full 60 s. This wrapper ends such a wait at the scaled timeout by
 * failing its token with `States.Timeout`: the error the engine's own timeout raises, matched by the same
 * Catch and written to the history as the same `TaskTimedOut` event, only sooner. The engine's real-time
 * timeout stays as the backstop.
 *
 * `settle`, when given, is awaited once the scaled timeout is due and before it fires: the stack uses it to
 * let a report that is already on its way finish its (unscaled) work first (`receipt-window.ts`).
 *
 * A timer on a busy machine fires late, and a report that came after the deadline would then complete the
 * task. On AWS the deadline is the service's: past it, `SendTaskSuccess` answers `TaskTimedOut`. So the Step
 * Functions stand-in asks {@link ScaledTaskTimeouts.beforeCompletion} before it completes a token: past the
 * scaled deadline, the completion goes through only if `admits` says a report sent in time is being worked
 * on; otherwise the timeout fires first, and the completion finds the task timed out.
 */

/** Reads a reference path such as `$.policy.receiptTimeoutSeconds`. */
function readPath(value: JsonValue | undefined, path: string): JsonValue | undefined {
  let current = value;
  for (const segment of path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)) {
    current =
      typeof current === 'object' && current !== null && !Array.isArray(current)
        ? current[segment]
        : undefined;
  }
  return current;
}

/** When a waiting task started and when its scaled timeout was due (epoch ms). */
export interface TaskWindow {
  readonly startedAt: number;
  readonly dueAt: number;
}

export interface ScaledTaskTimeouts {
  readonly handlers: Record<string, LocalTaskHandler>;
  /**
   * Awaited before a `SendTaskSuccess`/`SendTaskFailure` with this token is applied. Past the token's scaled
   * deadline (counted from the task's start, also while its handler still runs), and unless `admits` lets
   * the completion through, it times the task out first.
   */
  beforeCompletion(taskToken: string): Promise<void>;
  /** Cancels the pending timers (when the stack stops). */
  dispose(): void;
}

/**
 * Wraps task handlers so `.waitForTaskToken` entries time out after `factor ×` their timeout.
 *
 * @param engine - a getter, because the engine is created with the wrapped handlers
 */
export function withScaledTaskTimeouts(
  handlers: Readonly<Record<string, LocalTaskHandler>>,
  options: {
    factor: number;
    engine: () => WorkflowEngine;
    /**
     * Awaited when a scaled timeout is due, before it fires: `window` is when the task started and when
     * its scaled timeout was due (epoch ms), `signal` aborts when the stack stops.
     */
    settle?: (context: LocalTaskContext, window: TaskWindow, signal: AbortSignal) => Promise<void>;
    /**
     * Asked when a task is completed after its scaled timeout was due: whether the completion is still in
     * time. Without it, nothing completes a task past its scaled deadline.
     */
    admits?: (context: LocalTaskContext, window: TaskWindow) => Promise<boolean>;
  },
): ScaledTaskTimeouts {
  /** The tokens whose task handler is still running: their timer is not set yet. */
  const running = new Map<string, { context: LocalTaskContext; startedAt: number }>();
  /** The tokens whose scaled timeout has not fired yet (its timer may be due, with `settle` holding it). */
  const waiting = new Map<string, { context: LocalTaskContext; window: TaskWindow; timer: NodeJS.Timeout }>();
  const disposed = new AbortController();
  const definitions = new Map<string, JsonObject>();

  const stateDefinition = (name: string): JsonObject | undefined => {
    if (definitions.size === 0)
      forEachState(options.engine().definition, (n, state) => definitions.set(n, state));
    return definitions.get(name);
  };

  /**
   * The timeout Step Functions would apply: `TimeoutSeconds`, or `TimeoutSecondsPath` read from the state's
   * input (from the history's latest entry into the state, else the execution input).
   */
  const timeoutSeconds = (context: LocalTaskContext): number | undefined => {
    const state = stateDefinition(context.stateName);
    if (typeof state?.TimeoutSeconds === 'number') return state.TimeoutSeconds;
    if (typeof state?.TimeoutSecondsPath !== 'string') return undefined;
    const engine = options.engine();
    const entered = engine
      .getExecutionHistory(context.executionArn)
      .filter(
        (event) =>
          event.type === 'TaskStateEntered' && event.stateEnteredEventDetails?.name === context.stateName,
      )
      .at(-1);
    const input =
      entered?.stateEnteredEventDetails?.input ?? engine.describeExecution(context.executionArn).input;
    const value = readPath(JSON.parse(input ?? 'null') as JsonValue, state.TimeoutSecondsPath);
    return typeof value === 'number' ? value : undefined;
  };

  const wrap =
    (handler: LocalTaskHandler): LocalTaskHandler =>
    async (payload, context) => {
      const startedAt = Date.now();
      const token = context.taskToken;
      // A report can complete the token while the handler still runs (on a busy machine, seconds after
      // Sinch accepted the SMS): the deadline check needs to know the task from its start.
      if (token && options.factor < 1) running.set(token, { context, startedAt });
      let result: unknown;
      try {
        result = await handler(payload, context);
      } finally {
        if (token) running.delete(token);
      }
      // Read once the handler has returned, when the history surely holds this entry's input (a completion
      // while it runs reads it earlier, falling back to the execution input: `whileRunning`).
      const seconds = token && options.factor < 1 ? timeoutSeconds(context) : undefined;
      if (token && seconds !== undefined) {
        // Due a scaled timeout after the task started, even if the handler itself took longer than that.
        const window = { startedAt, dueAt: startedAt + seconds * 1000 * options.factor };
        const timer = setTimeout(
          () => {
            const settling = options.settle?.(context, window, disposed.signal);
            void (settling ?? Promise.resolve()).then(() => timeOut(token));
          },
          Math.max(0, window.dueAt - Date.now()),
        );
        waiting.set(token, { context, window, timer });
      }
      return result;
    };

  /** The window of a task whose handler has not returned yet, read as its timer would be. */
  function whileRunning(token: string): { context: LocalTaskContext; window: TaskWindow } | undefined {
    const task = running.get(token);
    const seconds = task ? timeoutSeconds(task.context) : undefined;
    if (!task || seconds === undefined) return undefined;
    return {
      context: task.context,
      window: { startedAt: task.startedAt, dueAt: task.startedAt + seconds * 1000 * options.factor },
    };
  }

  function timeOut(token: string): void {
    const task = waiting.get(token);
    if (task) clearTimeout(task.timer);
    waiting.delete(token);
    if (disposed.signal.aborted) return;
    try {
      options.engine().sendTaskFailure(token, 'States.Timeout', 'Task timed out (local stack, --fast)');
    } catch {
      // The entry already ended (completed, failed, or the execution stopped): nothing to time out.
    }
  }

  return {
    handlers: Object.fromEntries(Object.entries(handlers).map(([key, handler]) => [key, wrap(handler)])),
    beforeCompletion: async (token) => {
      const task = waiting.get(token) ?? whileRunning(token);
      if (!task || Date.now() < task.window.dueAt) return;
      if (options.admits && (await options.admits(task.context, task.window))) return;
      timeOut(token);
    },
    dispose: () => {
      disposed.abort();
      for (const { timer } of waiting.values()) clearTimeout(timer);
      waiting.clear();
      running.clear();
    },
  };
}
