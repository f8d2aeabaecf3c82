import type { FunctionRuntime } from '../local/lambda-runtime';
import { billedGbSeconds } from './cost-model';

/**
 * Counts the invocations of every function on the local Lambda host and times them, for the cost model.
 * It wraps each runtime's `invoke`, which the Function URLs, the SQS event source and the workflow engine
 * all call, so nothing in the local stack changes.
 *
 * A local duration includes waiting for a free container and sharing the machine's cores with every
 * emulator, so GB-seconds from it are an upper bound on what Lambda would bill.
 */
export interface LambdaMeter {
  /** Invocations per function key since the last reset. */
  invocations(): Record<string, number>;
  /** Σ billed duration × memory, over every function, since the last reset. */
  gbSeconds(): number;
  /** Wall-clock durations per function key since the last reset, in ms. */
  durations(): Record<string, number[]>;
  reset(): void;
}

export function meterLambdas(
  runtimes: Readonly<Record<string, FunctionRuntime>>,
  memoryMb: Readonly<Record<string, number>>,
): LambdaMeter {
  let durations: Record<string, number[]> = {};
  for (const [key, runtime] of Object.entries(runtimes)) {
    const invoke = runtime.invoke.bind(runtime);
    runtime.invoke = async (event) => {
      const start = performance.now();
      try {
        return await invoke(event);
      } finally {
        (durations[key] ??= []).push(performance.now() - start);
      }
    };
  }
  return {
    invocations: () => Object.fromEntries(Object.entries(durations).map(([key, list]) => [key, list.length])),
    gbSeconds: () =>
      Object.entries(durations).reduce(
        (total, [key, list]) =>
          total + list.reduce((sum, ms) => sum + billedGbSeconds(ms, memoryMb[key] ?? 128), 0),
        0,
      ),
    durations: () => structuredClone(durations),
    reset: () => {
      durations = {};
    },
  };
}
