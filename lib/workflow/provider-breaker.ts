import type { BreakerSettings } from '../shared/config';

/**
 * The stage-wide circuit breaker on the primary SMS provider. When the primary's send failures reach
 * `threshold` within `windowSeconds`, the breaker opens and new deliveries start on the secondary; after
 * `openSeconds` one delivery is let through to the primary as a probe (half-open): its success closes the
 * breaker, its failure opens it again. Only first attempts ask it; resends follow the failover table.
 *
 * The state is one item shared by every container of the stage (`lib/table/breaker-repository.ts`), changed
 * only by conditional writes on its version: two containers that decide at once cannot both claim the probe,
 * and a count is never lost to a concurrent write (the loser re-reads and decides again).
 *
 * The transitions are pure functions of (state, now, settings), tested one by one.
 */

export type BreakerStatus = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export interface BreakerState {
  readonly status: BreakerStatus;
  /** Send failures counted in the current window (CLOSED only). */
  readonly failures: number;
  /** When the current counting window began (ISO 8601). */
  readonly windowStartedAt?: string;
  /** When the breaker last opened. */
  readonly openedAt?: string;
  /** When the probe in flight was let through (HALF_OPEN only). */
  readonly probeStartedAt?: string;
  /** Bumped by every write; the condition of the next one. 0 for a breaker never written. */
  readonly version: number;
}

export const CLOSED_BREAKER: BreakerState = { status: 'CLOSED', failures: 0, version: 0 };

/** A change of status, for the metric and the log. */
export type BreakerTransition = 'OPENED' | 'HALF_OPENED' | 'CLOSED';

export interface BreakerStep {
  /** The state to write, when it changes; written on the condition that the version is still the one read. */
  readonly next?: BreakerState;
  readonly transition?: BreakerTransition;
}

export interface RouteStep extends BreakerStep {
  readonly route: 'primary' | 'secondary';
  /** This delivery is the half-open probe. */
  readonly probe: boolean;
}

function secondsSince(iso: string | undefined, now: Date): number {
  return iso === undefined ? Number.POSITIVE_INFINITY : (now.getTime() - Date.parse(iso)) / 1000;
}

function written(state: BreakerState, change: Partial<BreakerState>): BreakerState {
  return { ...state, ...change, version: state.version + 1 };
}

/** Where a new delivery's first attempt goes now. */
export function routeFirstAttempt(state: BreakerState, now: Date, settings: BreakerSettings): RouteStep {
  switch (state.status) {
    case 'CLOSED':
      return { route: 'primary', probe: false };
    case 'OPEN':
      if (secondsSince(state.openedAt, now) < settings.openSeconds)
        return { route: 'secondary', probe: false };
      return {
        route: 'primary',
        probe: true,
        next: written(state, { status: 'HALF_OPEN', probeStartedAt: now.toISOString() }),
        transition: 'HALF_OPENED',
      };
    case 'HALF_OPEN':
      // A probe that never reported back (its Lambda lost) must not hold the breaker half-open for ever.
      if (secondsSince(state.probeStartedAt, now) < settings.openSeconds) {
        return { route: 'secondary', probe: false };
      }
      return { route: 'primary', probe: true, next: written(state, { probeStartedAt: now.toISOString() }) };
  }
}

/** After the primary could not take or refused a message. */
export function afterPrimaryFailure(state: BreakerState, now: Date, settings: BreakerSettings): BreakerStep {
  const opened = (): BreakerStep => ({
    next: written(state, {
      status: 'OPEN',
      failures: 0,
      openedAt: now.toISOString(),
      windowStartedAt: undefined,
      probeStartedAt: undefined,
    }),
    transition: 'OPENED',
  });
  switch (state.status) {
    case 'OPEN':
      // A send routed before the breaker opened: already counted in the decision to open.
      return {};
    case 'HALF_OPEN':
      return opened();
    case 'CLOSED': {
      const fresh = secondsSince(state.windowStartedAt, now) >= settings.windowSeconds;
      const failures = fresh ? 1 : state.failures + 1;
      if (failures >= settings.threshold) return opened();
      return {
        next: written(state, {
          failures,
          windowStartedAt: fresh ? now.toISOString() : state.windowStartedAt,
        }),
      };
    }
  }
}

/** After the primary took a message. Only a half-open breaker changes: its probe got through. */
export function afterPrimarySuccess(state: BreakerState): BreakerStep {
  if (state.status !== 'HALF_OPEN') return {};
  return {
    next: written(state, {
      status: 'CLOSED',
      failures: 0,
      windowStartedAt: undefined,
      openedAt: state.openedAt,
      probeStartedAt: undefined,
    }),
    transition: 'CLOSED',
  };
}

/** Where the breaker's state is kept. */
export interface BreakerStore {
  read(): Promise<BreakerState>;
  /** Writes `next` if the stored version is still `next.version - 1`; false when another writer was first. */
  write(next: BreakerState): Promise<boolean>;
}

export interface PrimaryBreaker {
  routeFirstAttempt(): Promise<RouteStep>;
  recordFailure(): Promise<BreakerStep>;
  recordSuccess(): Promise<BreakerStep>;
}

/** A conflicting write means another container changed the state: decide again on what it wrote. */
const MAX_TRIES = 4;

/**
 * The breaker over its store: read, decide, write on condition, and on a conflict start again.
 *
 * @example
 * const breaker = createPrimaryBreaker({ store, settings: { threshold: 5, windowSeconds: 60, openSeconds: 60 }, now });
 * const { route } = await breaker.routeFirstAttempt(); // 'primary' | 'secondary'
 */
export function createPrimaryBreaker(deps: {
  readonly store: BreakerStore;
  readonly settings: BreakerSettings;
  readonly now: () => Date;
}): PrimaryBreaker {
  async function apply<T extends BreakerStep>(decide: (state: BreakerState, now: Date) => T): Promise<T> {
    let step: T | undefined;
    for (let tries = 0; tries < MAX_TRIES; tries += 1) {
      step = decide(await deps.store.read(), deps.now());
      if (step.next === undefined || (await deps.store.write(step.next))) return step;
    }
    // Contended past reason: act on the last decision, but claim no transition nobody wrote.
    return { ...step!, next: undefined, transition: undefined };
  }
  return {
    routeFirstAttempt: () => apply((state, now) => routeFirstAttempt(state, now, deps.settings)),
    recordFailure: () => apply((state, now) => afterPrimaryFailure(state, now, deps.settings)),
    recordSuccess: () => apply((state) => afterPrimarySuccess(state)),
  };
}
