import { createSeededRandom, deriveSeed, type SeededRandom } from './seeded-random';
import {
  FAULT_NAMES,
  formatFaults,
  isFaultOn,
  secondsOf,
  shareOf,
  type FaultName,
  type Faults,
} from './faults';

/**
 * Decides, counts and logs the injected faults of one stack. Every decision is drawn from a seeded stream
 * (`seeded-random.ts`, `--seed`): one stream per fault and per *stream key* (a function, an operation), so a
 * run with the same seed draws the same sequence of decisions for each function or operation. Concurrent
 * requests to the same key can still interleave differently from run to run; the sequence per key cannot.
 *
 * Outage faults (`sqs-outage`, `webhook-outage`) have a window instead: from {@link FaultInjector.start}
 * (the moment the stack is ready) for that many real seconds.
 */

export type FaultCounts = Readonly<Record<FaultName, number>>;

export interface FaultInjector {
  readonly faults: Faults;
  /** Whether the fault is on at all (a share of 0 is on, but never strikes). */
  isOn(name: FaultName): boolean;
  /**
   * Draws whether a share fault strikes this request; when it does, it is counted and logged with `what`
   * (which must not hold personal data). Draws nothing when the fault is off.
   */
  strikes(name: FaultName, stream: string, what: string): boolean;
  /** Whether an outage fault's window is open now; when it is, the refused request is counted and logged. */
  refuses(name: FaultName, what: string): boolean;
  /** Counts and logs one injection of a fault that is not drawn (`ses-sandbox`, `sinch-keep-signature`). */
  record(name: FaultName, what: string): void;
  /** Opens the outage windows (idempotent); they close on their own after their seconds. */
  start(now?: number): void;
  /** How often each fault was injected so far. */
  counts(): FaultCounts;
  /** Cancels the timers that log the end of an outage. */
  stop(): void;
}

export interface FaultInjectorOptions {
  readonly faults: Faults;
  /** The run's seed (`--seed`); every stream is derived from it. */
  readonly seed?: number;
  /** One line per injected fault, without personal data. */
  readonly log?: (line: string) => void;
  /** For tests: the clock. */
  readonly now?: () => number;
}

/** setTimeout's limit: a longer delay would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** An injector with every fault off: never strikes, draws nothing. */
export const NO_FAULTS: FaultInjector = createFaultInjector({ faults: {} });

export function createFaultInjector(options: FaultInjectorOptions): FaultInjector {
  const { faults } = options;
  const seed = options.seed ?? 1;
  const log = options.log ?? (() => undefined);
  const now = options.now ?? Date.now;
  const counts = Object.fromEntries(FAULT_NAMES.map((name) => [name, 0])) as Record<FaultName, number>;
  const streams = new Map<string, SeededRandom>();
  const timers = new Set<NodeJS.Timeout>();
  let startedAt: number | undefined;

  const stream = (name: FaultName, key: string): SeededRandom => {
    const id = `fault:${name}:${key}`;
    let random = streams.get(id);
    if (!random) {
      random = createSeededRandom(deriveSeed(seed, id));
      streams.set(id, random);
    }
    return random;
  };

  const record = (name: FaultName, what: string): void => {
    counts[name] += 1;
    log(`fault ${name}: ${what} (#${counts[name]})`);
  };

  return {
    faults,
    isOn: (name) => isFaultOn(faults, name),
    strikes(name, key, what) {
      const share = shareOf(faults, name);
      if (share <= 0) return false;
      if (!stream(name, key).chance(share)) return false;
      record(name, what);
      return true;
    },
    refuses(name, what) {
      const seconds = secondsOf(faults, name);
      if (seconds <= 0 || startedAt === undefined || now() >= startedAt + seconds * 1000) return false;
      record(name, what);
      return true;
    },
    record,
    start(at = now()) {
      if (startedAt !== undefined) return;
      startedAt = at;
      const active = formatFaults(faults);
      if (active.length > 0) log(`faults on: ${active.join(', ')} (seed ${seed})`);
      for (const name of ['sqs-outage', 'webhook-outage'] as const) {
        const seconds = secondsOf(faults, name);
        if (seconds <= 0) continue;
        const timer = setTimeout(
          () => {
            timers.delete(timer);
            log(`fault ${name}: over after ${seconds} s (${counts[name]} refused)`);
          },
          Math.min(MAX_TIMER_MS, Math.max(0, at + seconds * 1000 - now())),
        );
        timer.unref();
        timers.add(timer);
      }
    },
    counts: () => ({ ...counts }),
    stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
