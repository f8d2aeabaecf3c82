/**
 * What every benchmark shares: the row format the runner prints and saves, and measurement helpers that
 * hold up on shared, noisy machines (interleaved rounds, medians, ratios taken within the same round).
 *
 * A benchmark is a file `bench/<name>.bench.ts` whose default export returns rows:
 *
 * @example
 * export default async function run(context: BenchContext): Promise<BenchRow[]> {
 *   const { medians } = compareInRounds({ floor: () => hash(body), subject: () => verify(body) });
 *   return [{ bench: 'example', case: 'verify', value: medians.subject, unit: 'ns/op' }];
 * }
 */

/** One measured figure. */
export interface BenchRow {
  /** The benchmark (file) it belongs to. */
  readonly bench: string;
  /** What was measured, in words. */
  readonly case: string;
  readonly value: number;
  /** `ns/op`, `µs`, `ms`, `ops/s`, `×`, `KiB` … */
  readonly unit: string;
  /** A goal the runner checks and reports as met or missed. */
  readonly goal?: { readonly max?: number; readonly min?: number };
  readonly note?: string;
}

/** Handed to every benchmark by the runner. */
export interface BenchContext {
  /** The repository root. */
  readonly root: string;
  /** `bench/out/`, for anything a benchmark builds. */
  readonly outDir: string;
  /** Set by `npm run bench -- --quick`: fewer rounds, for a smoke run. */
  readonly quick: boolean;
}

export type Bench = (context: BenchContext) => Promise<BenchRow[]>;

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The p-th percentile (0–100), nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

function nsPerOp(fn: () => unknown, iterations: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i += 1) fn();
  return Number(process.hrtime.bigint() - start) / iterations;
}

export interface RoundsOptions {
  /** Rounds; each runs every case once, in rotating order. */
  readonly rounds?: number;
  /** Calls per case per round. */
  readonly iterations?: number;
  /** Untimed calls per case first, so the JIT has settled. */
  readonly warmup?: number;
}

export interface RoundsResult<K extends string> {
  /** Median ns/op of each case over the rounds. */
  readonly medians: Record<K, number>;
  /** Per round, ns/op of each case: for ratios taken within one round. */
  readonly rounds: Record<K, number>[];
}

/**
 * Times synchronous cases in interleaved rounds: every round measures every case back to back (order
 * rotating), so a noisy neighbour slows all cases of that round alike and a per-round ratio cancels it.
 */
export function compareInRounds<K extends string>(
  cases: Record<K, () => unknown>,
  options: RoundsOptions = {},
): RoundsResult<K> {
  const { rounds = 30, iterations = 2000, warmup = 5000 } = options;
  const names = Object.keys(cases) as K[];
  for (const name of names) for (let i = 0; i < warmup; i += 1) cases[name]();

  const results: Record<K, number>[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const timings = {} as Record<K, number>;
    for (let k = 0; k < names.length; k += 1) {
      const name = names[(round + k) % names.length]!;
      timings[name] = nsPerOp(cases[name], iterations);
    }
    results.push(timings);
  }
  const medians = {} as Record<K, number>;
  for (const name of names) medians[name] = median(results.map((round) => round[name]));
  return { medians, rounds: results };
}

/** The median over rounds of `subject / floor` measured within the same round. */
export function medianRatio<K extends string>(result: RoundsResult<K>, subject: K, floor: K): number {
  return median(result.rounds.map((round) => round[subject] / round[floor]));
}
