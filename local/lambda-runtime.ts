import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { BroadcastChannel, Worker } from 'node:worker_threads';
import type { HandlerBundle } from './lambda-bundler';
import { throttleError, type ThrottleReason } from './lambda-throttling';

/**
 * Runs one function's bundle the way the Lambda runtime does, in a sandbox thread of its own
 * (`lambda-sandbox.mjs`, a worker thread), so each function's work runs beside the emulators and the other
 * functions, on whichever core is free, as separate Lambda sandboxes would:
 *
 * - Each *container* evaluates the bundle afresh (its own module state, SDK clients, logger), sees only its
 *   function's environment (`process.env` is the function's, not the host's) and writes to its own log
 *   stream. Code that reads configuration at module load therefore behaves as in Lambda. The event and the
 *   result cross into and out of the sandbox as JSON, as they cross the Lambda boundary.
 * - A container serves one invocation at a time; concurrent invocations get more containers, up to a limit,
 *   then queue (a local stand-in for Lambda's concurrency scaling).
 * - A function with `reservedConcurrency` runs at most that many invocations at once: one more is refused
 *   at once with `TooManyRequestsException` (a throttle, `lambda-throttling.ts`), as Lambda does. The
 *   `throttle` hook (the `lambda-throttle` fault) refuses invocations the same way.
 * - An invocation that exceeds the function's timeout fails with `Sandbox.Timedout` and its container is
 *   thrown away, as Lambda does.
 * - An error nothing catches (an unhandled rejection, a throw in a timer) ends the sandbox thread, as it
 *   ends a Lambda runtime process: its invocations fail with `Runtime.ExitError`, the log stream says
 *   `Runtime exited`, and the next invocation starts a new sandbox and container (a cold start).
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
  /** The sandbox thread's script: {@link sandboxScript} of the repository root. */
  readonly sandbox: string;
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

interface InvocationAnswer {
  readonly ok: boolean;
  /** The handler's result as JSON. */
  readonly payload?: string;
  readonly error?: LambdaError;
}

type SandboxMessage =
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'started'; readonly id: number }
  | { readonly type: 'startFailed'; readonly id: number; readonly error: LambdaError }
  | ({ readonly type: 'result'; readonly requestId: string } & InvocationAnswer);

interface Pending<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** A function's sandbox thread and what the host is waiting for from it. */
interface Sandbox {
  readonly worker: Worker;
  readonly starting: Map<number, Pending<Container>>;
  readonly answers: Map<string, (answer: InvocationAnswer) => void>;
  /** Containers started or starting in it. */
  containers: number;
  exited: boolean;
}

/** What the host holds of a container; the container itself lives in its function's sandbox thread. */
interface Container {
  readonly id: number;
  readonly sandbox: Sandbox;
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

/**
 * The `BroadcastChannel` on which sandboxes publish their containers' HTTP requests while they are watched
 * ({@link watchSandboxRequests}): `{ type: 'requests', counts: [{ host, target, count }] }` at most every
 * 50 ms per sandbox (`target`: the `X-Amz-Target` header).
 */
export const SANDBOX_REQUESTS_CHANNEL = 'local-lambda:http-requests';

let requestsWatched = false;
let watchChannel: BroadcastChannel | undefined;

/**
 * Tells every sandbox of this process whether to publish its requests on {@link SANDBOX_REQUESTS_CHANNEL}:
 * those running now at once, and those started later from their start, so none misses its first requests.
 */
export function watchSandboxRequests(on: boolean): void {
  requestsWatched = on;
  if (!watchChannel) {
    watchChannel = new BroadcastChannel(SANDBOX_REQUESTS_CHANNEL);
    watchChannel.unref();
  }
  watchChannel.postMessage({ type: 'watch', on });
}

/** The sandbox threads' script in a checkout of this repository. */
export function sandboxScript(root: string): string {
  return join(root, 'local', 'lambda-sandbox.mjs');
}

export function createFunctionRuntime(options: FunctionRuntimeOptions): FunctionRuntime {
  const arn = `arn:aws:lambda:${options.region}:${options.accountId}:function:${options.name}`;
  const reserved = options.reservedConcurrency;
  // Never more containers than invocations may run at once.
  const maxConcurrency = Math.min(options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY, reserved ?? Infinity);
  /** Invocations accepted and not finished: running, or waiting for a container. */
  let active = 0;
  let idle: Container[] = [];
  const waiting: Pending<Container>[] = [];
  const running = new Set<Promise<unknown>>();
  let coldStarts = 0;
  let lastContainerId = 0;
  /** The live sandbox, if any: an exited one holds no containers. */
  let current: Sandbox | undefined;
  /** Containers started or starting. */
  const containers = (): number => current?.containers ?? 0;
  const exitError = (reason: string): LambdaError => ({
    errorType: 'Runtime.ExitError',
    errorMessage: reason,
    trace: [],
  });

  /** The sandbox is gone: so is every container in it, and whatever they were doing. */
  const onExit = (sandbox: Sandbox, reason: string): void => {
    if (sandbox.exited) return;
    sandbox.exited = true;
    if (current === sandbox) current = undefined;
    sandbox.containers = 0;
    idle = idle.filter((container) => container.sandbox !== sandbox);
    const error = exitError(reason);
    for (const start of sandbox.starting.values()) {
      start.reject(Object.assign(new Error(error.errorMessage), error));
    }
    sandbox.starting.clear();
    for (const answer of sandbox.answers.values()) answer({ ok: false, error });
    sandbox.answers.clear();
  };

  /** The function's sandbox thread, started on first use and again after it exited. */
  const sandboxThread = (): Sandbox => {
    if (current) return current;
    const worker = new Worker(options.sandbox, {
      workerData: {
        file: options.bundle.file,
        exportName: options.bundle.exportName,
        key: options.key,
        environment: options.environment,
        requestsChannel: SANDBOX_REQUESTS_CHANNEL,
        requestsWatched,
      },
      env: { ...options.environment },
      // Not the host's flags (Jest's, --inspect …): a plain Node thread, as the Lambda runtime is.
      execArgv: [],
    });
    const sandbox: Sandbox = {
      worker,
      starting: new Map(),
      answers: new Map(),
      containers: 0,
      exited: false,
    };
    worker.on('message', (message: SandboxMessage) => {
      switch (message.type) {
        case 'log':
          options.logSink(options.key, message.line);
          break;
        case 'started':
          sandbox.starting.get(message.id)?.resolve({ id: message.id, sandbox });
          sandbox.starting.delete(message.id);
          break;
        case 'startFailed':
          sandbox.containers -= 1;
          sandbox.starting
            .get(message.id)
            ?.reject(Object.assign(new Error(message.error.errorMessage), message.error));
          sandbox.starting.delete(message.id);
          break;
        case 'result':
          sandbox.answers.get(message.requestId)?.(message);
          sandbox.answers.delete(message.requestId);
          break;
      }
    });
    // An error nothing caught (in a container's background work, say) ends the thread, as it ends a
    // Lambda runtime process: every container in it is gone, and the next invocation starts afresh.
    worker.on('error', (error: Error) => {
      options.logSink(
        options.key,
        `${new Date().toISOString()} Runtime exited: ${error.stack ?? error.message}`,
      );
      onExit(sandbox, `Runtime exited with error: ${error.message}`);
    });
    worker.on('exit', (code) => onExit(sandbox, `Runtime exited with code ${code}`));
    // The host's servers keep the process alive while it runs; an idle sandbox must not.
    worker.unref();
    current = sandbox;
    return sandbox;
  };

  /** Starts a container; its sandbox counts it from now until it fails to start, is discarded or exits. */
  const startContainer = (): Promise<Container> => {
    coldStarts += 1;
    const sandbox = sandboxThread();
    sandbox.containers += 1;
    const id = (lastContainerId += 1);
    return new Promise<Container>((resolve, reject) => {
      sandbox.starting.set(id, { resolve, reject });
      sandbox.worker.postMessage({ type: 'start', id });
    });
  };

  const invokeIn = (container: Container, requestId: string, event: unknown, context: object) =>
    new Promise<InvocationAnswer>((resolve) => {
      const { sandbox } = container;
      if (sandbox.exited) {
        resolve({ ok: false, error: exitError('Runtime exited') });
        return;
      }
      sandbox.answers.set(requestId, resolve);
      sandbox.worker.postMessage({
        type: 'invoke',
        id: container.id,
        requestId,
        // Lambda hands the handler a fresh copy of the event, never the caller's object: its JSON.
        event: event === undefined ? undefined : JSON.stringify(event),
        context,
      });
    });

  const acquire = (): Promise<Container> => {
    const container = idle.pop();
    if (container) return Promise.resolve(container);
    if (containers() < maxConcurrency) return startContainer();
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  };

  /** Someone may be waiting for a container that will never be released: give them a new one. */
  const serveWaiting = (): void => {
    const next = waiting.shift();
    if (next) acquire().then(next.resolve, next.reject);
  };

  const release = (container: Container): void => {
    if (container.sandbox.exited) return serveWaiting();
    const next = waiting.shift();
    if (next) next.resolve(container);
    else idle.push(container);
  };

  const discard = (container: Container): void => {
    const { sandbox } = container;
    if (!sandbox.exited) {
      sandbox.worker.postMessage({ type: 'discard', id: container.id });
      sandbox.containers -= 1;
    }
    serveWaiting();
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
      // The sandbox gives the handler `getRemainingTimeInMillis()`, counting down to this.
      deadline,
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), options.timeoutSeconds * 1000);
    });
    try {
      const outcome = await Promise.race([invokeIn(container, requestId, event, context), timeout]);
      if (outcome === 'timeout') {
        container.sandbox.answers.delete(requestId);
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
      if (!outcome.ok) return { ok: false, requestId, error: outcome.error! };
      return { ok: true, requestId, payload: JSON.parse(outcome.payload!) as unknown };
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
      while (containers() < Math.min(count, maxConcurrency)) {
        startContainer().then(release, () => {
          // Reported on the first invocation, as Lambda reports an init error.
        });
      }
    },
    get coldStarts() {
      return coldStarts;
    },
    close: async () => {
      await Promise.allSettled([...running]);
      idle = [];
      const sandbox = current;
      current = undefined;
      await sandbox?.worker.terminate();
    },
  };
}
