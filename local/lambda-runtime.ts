import { randomUUID } from 'node:crypto';
import { Console } from 'node:console';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Writable } from 'node:stream';
import { compileFunction } from 'node:vm';
import type { HandlerBundle } from './lambda-bundler';
import { throttleError, type ThrottleReason } from './lambda-throttling';

/**
 * Runs one function's bundle the way the Lambda runtime does, in this process:
 *
 * - Each *container* evaluates the bundle afresh (its own module state, SDK clients, logger), sees only its
 *   function's environment (`process.env` is the function's, not the host's) and writes to its own log
 *   stream. Code that reads configuration at module load therefore behaves as in Lambda.
 * - A container serves one invocation at a time; concurrent invocations get more containers, up to a limit,
 *   then queue (a local stand-in for Lambda's concurrency scaling).
 * - A function with `reservedConcurrency` runs at most that many invocations at once: one more is refused
 *   at once with `TooManyRequestsException` (a throttle, `lambda-throttling.ts`), as Lambda does. The
 *   `throttle` hook (the `lambda-throttle` fault) refuses invocations the same way.
 * - An invocation that exceeds the function's timeout fails with `Sandbox.Timedout` and its container is
 *   thrown away, as Lambda does.
 */

/** Containers per function unless told otherwise: enough for the local stack's bursts, few enough for memory. */
export const DEFAULT_MAX_CONCURRENCY = 3;

/** Where a function's stdout/stderr lines go (the local CloudWatch Logs). */
export type LogSink = (functionKey: string, line: string) => void;

export interface LambdaError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: string[];
}

export type InvokeResult =
  | { readonly ok: true; readonly payload: unknown; readonly requestId: string }
  | {
      readonly ok: false;
      readonly error: LambdaError;
      readonly requestId: string;
      /** Set when Lambda refused to run the invocation at all (HTTP 429); the handler never saw it. */
      readonly throttled?: ThrottleReason;
    };

export interface FunctionRuntimeOptions {
  readonly key: string;
  readonly name: string;
  readonly bundle: HandlerBundle;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  readonly region: string;
  readonly accountId: string;
  readonly logSink: LogSink;
  readonly maxConcurrency?: number;
  /** serverless.yml's `reservedConcurrency`: concurrent invocations beyond it are throttled. */
  readonly reservedConcurrency?: number;
  /** Asked before each invocation that would run; true throttles it (the `lambda-throttle` fault). */
  readonly throttle?: () => boolean;
  /** Told of every throttled invocation (for the host's counts and log line). */
  readonly onThrottle?: (reason: ThrottleReason) => void;
}

export interface FunctionRuntime {
  readonly key: string;
  readonly name: string;
  readonly arn: string;
  /** Invokes the handler with a JSON-compatible event, like `Invoke` with `RequestResponse`. */
  invoke(event: unknown): Promise<InvokeResult>;
  /**
   * Starts containers ahead of the first invocations (like provisioned concurrency), up to `count` and the
   * concurrency limit.
   */
  warm(count?: number): void;
  /** How many containers were started so far (cold starts). */
  readonly coldStarts: number;
  /** Waits for running invocations, then drops every container. */
  close(): Promise<void>;
}

type Handler = (event: unknown, context: unknown) => unknown;

interface Container {
  readonly handler: Handler;
  /** Cancels everything the container scheduled. */
  freeze(): void;
}

const WRAPPER_PARAMETERS = [
  'exports',
  'require',
  'module',
  '__filename',
  '__dirname',
  'process',
  'console',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
];

/**
 * Timer functions that remember what they scheduled, so stopping the host can cancel a container's
 * background work (caches that refresh themselves, for example) the way Lambda freezes an idle container.
 */
function trackedTimers(): {
  setTimeout: typeof setTimeout;
  clearTimeout: typeof clearTimeout;
  setInterval: typeof setInterval;
  clearInterval: typeof clearInterval;
  clearAll(): void;
} {
  const handles = new Set<NodeJS.Timeout>();
  const wrappedSetTimeout = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const handle = setTimeout(
      (...callbackArgs: unknown[]) => {
        handles.delete(handle);
        callback(...callbackArgs);
      },
      ms,
      ...args,
    );
    handles.add(handle);
    return handle;
  }) as typeof setTimeout;
  const wrappedSetInterval = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const handle = setInterval(callback, ms, ...args);
    handles.add(handle);
    return handle;
  }) as typeof setInterval;
  const clear = (handle: NodeJS.Timeout | string | number | undefined): void => {
    if (handle === undefined || typeof handle !== 'object') return;
    handles.delete(handle);
    clearTimeout(handle);
  };
  return {
    setTimeout: wrappedSetTimeout,
    setInterval: wrappedSetInterval,
    clearTimeout: clear as typeof clearTimeout,
    clearInterval: clear as typeof clearInterval,
    clearAll: () => {
      for (const handle of handles) clearTimeout(handle);
      handles.clear();
    },
  };
}

/** A writable that hands complete lines to the sink (Powertools writes one JSON object per line). */
function lineStream(onLine: (line: string) => void): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.length > 0) onLine(line);
      callback();
    },
    final(callback) {
      if (pending.length > 0) onLine(pending);
      callback();
    },
  });
}

function toLambdaError(error: unknown): LambdaError {
  if (typeof error === 'object' && error !== null) {
    const { name, message, stack } = error as { name?: unknown; message?: unknown; stack?: unknown };
    return {
      errorType: typeof name === 'string' && name ? name : 'Error',
      errorMessage: typeof message === 'string' ? message : String(error),
      trace: typeof stack === 'string' ? stack.split('\n') : [],
    };
  }
  return { errorType: 'Error', errorMessage: String(error), trace: [] };
}

export function createFunctionRuntime(options: FunctionRuntimeOptions): FunctionRuntime {
  const code = readFileSync(options.bundle.file, 'utf8');
  const arn = `arn:aws:lambda:${options.region}:${options.accountId}:function:${options.name}`;
  const reserved = options.reservedConcurrency;
  // Never more containers than invocations may run at once.
  const maxConcurrency = Math.min(options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY, reserved ?? Infinity);
  /** Invocations accepted and not finished: running, or waiting for a container. */
  let active = 0;
  const idle: Container[] = [];
  const all = new Set<Container>();
  const waiting: { resolve(container: Container): void; reject(error: unknown): void }[] = [];
  const running = new Set<Promise<unknown>>();
  let containers = 0;
  let coldStarts = 0;

  const startContainer = (): Container => {
    coldStarts += 1;
    const stdout = lineStream((line) => options.logSink(options.key, line));
    const stderr = lineStream((line) => options.logSink(options.key, line));
    // The bundle's free `process` and `console` are these: the real process, but with this function's
    // environment and this container's log streams.
    const containerProcess = Object.create(process, {
      env: { value: { ...options.environment }, enumerable: true, writable: true },
      stdout: { value: stdout },
      stderr: { value: stderr },
      emitWarning: {
        value: (warning: string | Error) =>
          options.logSink(options.key, `Warning: ${warning instanceof Error ? warning.message : warning}`),
      },
    }) as NodeJS.Process;
    const containerConsole = new Console({ stdout, stderr });
    const timers = trackedTimers();
    const module = { exports: {} as Record<string, unknown> };
    const wrapper = compileFunction(code, WRAPPER_PARAMETERS, {
      filename: options.bundle.file,
    });
    wrapper(
      module.exports,
      createRequire(options.bundle.file),
      module,
      options.bundle.file,
      dirname(options.bundle.file),
      containerProcess,
      containerConsole,
      timers.setTimeout,
      timers.clearTimeout,
      timers.setInterval,
      timers.clearInterval,
    );
    const handler = module.exports[options.bundle.exportName];
    if (typeof handler !== 'function') {
      throw new Error(
        `${options.key}: the bundle does not export a function named ${options.bundle.exportName}`,
      );
    }
    const container: Container = { handler: handler as Handler, freeze: timers.clearAll };
    all.add(container);
    return container;
  };

  const acquire = (): Promise<Container> => {
    const container = idle.pop();
    if (container) return Promise.resolve(container);
    if (containers < maxConcurrency) {
      containers += 1;
      try {
        return Promise.resolve(startContainer());
      } catch (error) {
        containers -= 1;
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  };

  const release = (container: Container): void => {
    const next = waiting.shift();
    if (next) next.resolve(container);
    else idle.push(container);
  };

  const discard = (container: Container): void => {
    container.freeze();
    all.delete(container);
    containers -= 1;
    // Someone may be waiting for a container that now will never be released: give them a new one.
    const next = waiting.shift();
    if (next) acquire().then(next.resolve, next.reject);
  };

  const run = async (event: unknown): Promise<InvokeResult> => {
    const requestId = randomUUID();
    let container: Container;
    try {
      container = await acquire();
    } catch (error) {
      return {
        ok: false,
        requestId,
        error: { ...toLambdaError(error), errorType: 'Runtime.ImportModuleError' },
      };
    }
    const deadline = Date.now() + options.timeoutSeconds * 1000;
    const context = {
      functionName: options.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: arn,
      memoryLimitInMB: String(options.memorySize),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${options.name}`,
      logStreamName: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), options.timeoutSeconds * 1000);
    });
    try {
      // Lambda hands the handler a fresh copy of the event, never the caller's object.
      const copy: unknown = event === undefined ? undefined : JSON.parse(JSON.stringify(event));
      const outcome = await Promise.race([Promise.resolve(container.handler(copy, context)), timeout]);
      if (outcome === 'timeout') {
        discard(container);
        const message = `Task timed out after ${options.timeoutSeconds.toFixed(2)} seconds`;
        options.logSink(options.key, `${new Date().toISOString()} ${requestId} ${message}`);
        return {
          ok: false,
          requestId,
          error: { errorType: 'Sandbox.Timedout', errorMessage: message, trace: [] },
        };
      }
      release(container);
      // What crosses the Lambda boundary is JSON.
      const payload: unknown = outcome === undefined ? null : JSON.parse(JSON.stringify(outcome));
      return { ok: true, requestId, payload };
    } catch (error) {
      release(container);
      return { ok: false, requestId, error: toLambdaError(error) };
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    key: options.key,
    name: options.name,
    arn,
    invoke: (event) => {
      const reason: ThrottleReason | undefined =
        reserved !== undefined && active >= reserved
          ? 'ReservedFunctionConcurrentInvocationLimitExceeded'
          : options.throttle?.()
            ? 'ConcurrentInvocationLimitExceeded'
            : undefined;
      if (reason) {
        options.onThrottle?.(reason);
        return Promise.resolve({
          ok: false,
          requestId: randomUUID(),
          error: throttleError(),
          throttled: reason,
        });
      }
      active += 1;
      const invocation = run(event);
      running.add(invocation);
      void invocation.finally(() => {
        active -= 1;
        running.delete(invocation);
      });
      return invocation;
    },
    warm: (count = 1) => {
      while (containers < Math.min(count, maxConcurrency)) {
        containers += 1;
        try {
          idle.push(startContainer());
        } catch {
          // Reported on the first invocation, as Lambda reports an init error.
          containers -= 1;
          return;
        }
      }
    },
    get coldStarts() {
      return coldStarts;
    },
    close: async () => {
      await Promise.allSettled([...running]);
      for (const container of all) container.freeze();
      all.clear();
      idle.length = 0;
    },
  };
}
