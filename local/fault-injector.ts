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
 * Outage faults (`sqs-outage`, `webhook-outage`) have a window instead: once {@link FaultInjector.start}
 * armed them (the moment the stack is ready), each one's window opens at the first request it refuses and
 * lasts that many real seconds. So an outage always meets traffic, however long a busy machine takes to
 * send the first request.
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
  /** Arms the outage windows (idempotent); each opens at its first refused request and closes after its seconds. */
  start(): void;
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
  let armed = false;
  /** When each outage's window opened (at its first refused request). */
  const openedAt = new Map<FaultName, number>();

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
      if (seconds <= 0 || !armed) return false;
      const opened = openedAt.get(name) ?? now();
      if (!openedAt.has(name)) {
        openedAt.set(name, opened);
        const timer = setTimeout(
          () => {
            timers.delete(timer);
            log(`fault ${name}: over after ${seconds} s (${counts[name]} refused)`);
          },
          Math.min(MAX_TIMER_MS, seconds * 1000),
        );
        timer.unref();
        timers.add(timer);
      }
      if (now() >= opened + seconds * 1000) return false;
      record(name, what);
      return true;
    },
    record,
    start() {
      if (armed) return;
      armed = true;
      const active = formatFaults(faults);
      if (active.length > 0) log(`faults on: ${active.join(', ')} (seed ${seed})`);
    },
    counts: () => ({ ...counts }),
    stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
