import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LocalQueue } from './cloud-resources';
import { NO_FAULTS, type FaultInjector } from './fault-injector';
import { startFunctionUrl, type FunctionUrl } from './function-url';
import type { HandlerBundle } from './lambda-bundler';
import {
  createFunctionRuntime,
  DEFAULT_MAX_CONCURRENCY,
  type FunctionRuntime,
  type LambdaError,
  type LogSink,
  sandboxScript,
} from './lambda-runtime';
import { throttledTaskError, type ThrottleReason } from './lambda-throttling';
import type { FunctionDefinition } from './serverless-manifest';
import { LAMBDA_INITIAL_POLLERS, startSqsEventSource, type SqsEventSource } from './sqs-event-source';
import type { TimeFactor } from './time-scale';

/**
 * Runs the functions `serverless.yml` declares (each in its own sandbox thread, `lambda-runtime.ts`), wired
 * the way they are deployed:
 * Function URLs become HTTP endpoints on 127.0.0.1, SQS events become pollers with the declared batch size,
 * batching window and partial batch responses, and the workflow invokes tasks through {@link LambdaHost.invoke}
 * with the Lambda invoke payload.
 *
 * Throttles (`reservedConcurrency` from serverless.yml, always; the `lambda-throttle` fault when on) reach
 * each caller the way Lambda's reach it: a Function URL answers 429, the workflow's task fails with
 * `Lambda.TooManyRequestsException`, and the SQS event source leaves the batch on the queue.
 */

/** A failed invocation, named by the Lambda error type (what Step Functions `ErrorEquals` matches). */
export class LambdaInvocationError extends Error {
  readonly errorType: string;

  constructor(
    readonly functionKey: string,
    error: LambdaError,
  ) {
    super(error.errorMessage);
    this.name = error.errorType;
    this.errorType = error.errorType;
  }
}

export interface LambdaHostOptions {
  readonly functions: readonly FunctionDefinition[];
  readonly bundles: Readonly<Record<string, HandlerBundle>>;
  /** The repository root: where the sandbox threads' script is (`local/lambda-sandbox.mjs`). */
  readonly root: string;
  /** The complete environment each function sees (declared variables, Lambda's own, endpoint overrides). */
  readonly environment: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly region: string;
  readonly accountId: string;
  readonly logSink: LogSink;
  /** Containers per function at most (Lambda's concurrency, locally). */
  readonly maxConcurrency?: number;
  /** Fixed ports for Function URLs by function key; free ports otherwise. */
  readonly urlPorts?: Readonly<Record<string, number>>;
  /** Draws `lambda-throttle` and `webhook-outage` (none when absent). */
  readonly faults?: FaultInjector;
  /** Function URLs (by function key) that refuse connections while `webhook-outage` lasts. */
  readonly outageUrls?: readonly string[];
  /**
   * Multiplies every function's `timeout` (1 when absent). On AWS a function's timeout bounds its own work
   * in its own sandbox; here every function shares two cores with the emulators and whatever else the
   * machine runs, so its wall time includes waiting for all of them. The local stack passes its time
   * divisor: with `--fast` the modelled world runs that much faster, and the work gets that much more room,
   * so a busy machine does not turn a slow invocation into `Sandbox.Timedout` (and a retried SMS).
   */
  readonly timeoutAllowance?: number;
}

/** Throttled invocations of one function, by cause. */
export interface ThrottleCounts {
  /** Beyond its `reservedConcurrency`. */
  reservedConcurrency: number;
  /** Injected by the `lambda-throttle` fault. */
  injected: number;
}

export interface LambdaHost {
  readonly runtimes: Readonly<Record<string, FunctionRuntime>>;
  /** Function URL by function key (`ingress`, `send`). */
  readonly urls: Readonly<Record<string, string>>;
  /** Invokes a function with a payload; resolves with its result or throws {@link LambdaInvocationError}. */
  invoke(functionKey: string, payload: unknown): Promise<unknown>;
  /**
   * Starts polling the SQS queues that feed functions (`events: - sqs:` in serverless.yml). Separate from
   * starting the host, so nothing is consumed before the rest of the stack is ready.
   */
  startEventSources(options: {
    sqs: SQSClient;
    queues: Readonly<Record<string, LocalQueue>>;
    timeFactor: TimeFactor;
    log?: (line: string) => void;
  }): void;
  readonly eventSources: readonly SqsEventSource[];
  /** Throttled invocations so far, by function key. */
  readonly throttles: Readonly<Record<string, Readonly<ThrottleCounts>>>;
  stop(): Promise<void>;
}

/** The logical id an SQS event's `arn` points at (`!GetAtt ReceiptsQueue.Arn`). */
function queueLogicalId(arn: unknown): string | undefined {
  const getAtt = (arn as Record<string, unknown> | undefined)?.['Fn::GetAtt'];
  return Array.isArray(getAtt) ? String(getAtt[0]) : undefined;
}

export async function startLambdaHost(options: LambdaHostOptions): Promise<LambdaHost> {
  const faults = options.faults ?? NO_FAULTS;
  const runtimes: Record<string, FunctionRuntime> = {};
  const throttles: Record<string, ThrottleCounts> = {};
  for (const fn of options.functions) {
    const counts: ThrottleCounts = { reservedConcurrency: 0, injected: 0 };
    throttles[fn.key] = counts;
    const onThrottle = (reason: ThrottleReason): void => {
      if (reason === 'ConcurrentInvocationLimitExceeded') {
        counts.injected += 1;
        return;
      }
      counts.reservedConcurrency += 1;
      options.logSink(
        'host',
        `${fn.key}: invocation throttled (TooManyRequestsException): reserved concurrency ${fn.reservedConcurrency} in use`,
      );
    };
    runtimes[fn.key] = createFunctionRuntime({
      key: fn.key,
      name: fn.name,
      bundle: options.bundles[fn.key]!,
      sandbox: sandboxScript(options.root),
      environment: options.environment[fn.key] ?? {},
      timeoutSeconds: fn.timeoutSeconds * (options.timeoutAllowance ?? 1),
      memorySize: fn.memorySize,
      region: options.region,
      accountId: options.accountId,
      logSink: options.logSink,
      maxConcurrency: options.maxConcurrency,
      reservedConcurrency: fn.reservedConcurrency,
      throttle: faults.isOn('lambda-throttle')
        ? () => faults.strikes('lambda-throttle', fn.key, `TooManyRequestsException (429) to ${fn.key}`)
        : undefined,
      onThrottle,
    });
  }

  // Every container starts before any traffic. A cold start (evaluating a bundle with the whole AWS SDK)
  // takes a core for a moment; a burst of them in the middle of a run would delay receipts past their
  // timeout. A module that fails to load also says so at start.
  for (const runtime of Object.values(runtimes))
    runtime.warm(options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY);

  const servers: FunctionUrl[] = [];
  const urls: Record<string, string> = {};
  for (const fn of options.functions) {
    if (!fn.url) continue;
    const server = await startFunctionUrl(runtimes[fn.key]!, {
      authType: fn.url.authType,
      region: options.region,
      accountId: options.accountId,
      port: options.urlPorts?.[fn.key],
      refuseConnection:
        faults.isOn('webhook-outage') && options.outageUrls?.includes(fn.key)
          ? () => faults.refuses('webhook-outage', `connection to the ${fn.key} Function URL refused`)
          : undefined,
    });
    servers.push(server);
    urls[fn.key] = `${server.url}/`;
  }

  const eventSources: SqsEventSource[] = [];

  return {
    runtimes,
    urls,
    eventSources,
    throttles,
    invoke: async (functionKey, payload) => {
      const runtime = runtimes[functionKey];
      if (!runtime) throw new Error(`No function named ${functionKey} in serverless.yml`);
      const result = await runtime.invoke(payload);
      if (!result.ok && result.throttled) throw throttledTaskError(result.requestId);
      if (!result.ok) throw new LambdaInvocationError(functionKey, result.error);
      return result.payload;
    },
    startEventSources: ({ sqs, queues, timeFactor, log }) => {
      for (const fn of options.functions) {
        for (const event of fn.sqsEvents) {
          if (event.enabled === false) continue;
          const logicalId = queueLogicalId(event.arn);
          const queue = logicalId ? queues[logicalId] : undefined;
          if (!queue)
            throw new Error(
              `${fn.key}: its sqs event names a queue that is not a resource of serverless.yml`,
            );
          eventSources.push(
            startSqsEventSource({
              sqs,
              queue,
              runtime: runtimes[fn.key]!,
              region: options.region,
              // The framework's defaults for an SQS event.
              batchSize: event.batchSize ?? 10,
              maximumBatchingWindowSeconds: (event.maximumBatchingWindow ?? 0) * timeFactor,
              reportBatchItemFailures: event.functionResponseType === 'ReportBatchItemFailures',
              // Lambda polls with five concurrent batches, but never more than the function can run at once
              // locally, nor more than the mapping's maximumConcurrency. (Reserved concurrency does not limit
              // the pollers, on AWS either: batches beyond it are throttled back onto the queue.)
              pollers: Math.min(
                LAMBDA_INITIAL_POLLERS,
                options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
                event.maximumConcurrency ?? Infinity,
              ),
              log,
            }),
          );
        }
      }
    },
    stop: async () => {
      await Promise.all(eventSources.map((source) => source.stop()));
      await Promise.all(servers.map((server) => server.stop()));
      await Promise.all(Object.values(runtimes).map((runtime) => runtime.close()));
    },
  };
}
