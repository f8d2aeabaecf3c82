import {
  CLOSED_BREAKER,
  afterPrimaryFailure,
  afterPrimarySuccess,
  createPrimaryBreaker,
  routeFirstAttempt,
  type BreakerState,
  type BreakerStore,
} from '../../../lib/workflow/provider-breaker';

const SETTINGS = { threshold: 3, windowSeconds: 60, openSeconds: 30 };
const T0 = new Date('2030-01-01T00:00:00.000Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

describe('provider breaker transitions', () => {
  it('routes to the primary while closed, whatever it has counted', () => {
    expect(routeFirstAttempt({ ...CLOSED_BREAKER, failures: 2 }, T0, SETTINGS)).toEqual({
      route: 'primary',
      probe: false,
    });
  });

  it('counts failures inside the window and opens at the threshold', () => {
    // Act
    const one = afterPrimaryFailure(CLOSED_BREAKER, at(0), SETTINGS).next!;
    const two = afterPrimaryFailure(one, at(10), SETTINGS).next!;
    const three = afterPrimaryFailure(two, at(20), SETTINGS);

    // Assess
    expect(two).toMatchObject({
      status: 'CLOSED',
      failures: 2,
      windowStartedAt: T0.toISOString(),
      version: 2,
    });
    expect(three).toEqual({
      next: { status: 'OPEN', failures: 0, openedAt: at(20).toISOString(), version: 3 },
      transition: 'OPENED',
    });
  });

  it('starts a new window once the old one has passed', () => {
    // Prepare
    const two = afterPrimaryFailure(
      afterPrimaryFailure(CLOSED_BREAKER, at(0), SETTINGS).next!,
      at(10),
      SETTINGS,
    ).next!;

    // Act
    const late = afterPrimaryFailure(two, at(61), SETTINGS);

    // Assess
    expect(late.next).toMatchObject({ status: 'CLOSED', failures: 1, windowStartedAt: at(61).toISOString() });
    expect(late.transition).toBeUndefined();
  });

  it('sends new deliveries to the secondary while open, then lets one probe through', () => {
    // Prepare
    const open: BreakerState = { status: 'OPEN', failures: 0, openedAt: T0.toISOString(), version: 5 };

    // Act
    const during = routeFirstAttempt(open, at(29), SETTINGS);
    const after = routeFirstAttempt(open, at(30), SETTINGS);

    // Assess
    expect(during).toEqual({ route: 'secondary', probe: false });
    expect(after).toMatchObject({ route: 'primary', probe: true, transition: 'HALF_OPENED' });
    expect(after.next).toMatchObject({
      status: 'HALF_OPEN',
      probeStartedAt: at(30).toISOString(),
      version: 6,
    });
  });

  it('keeps others on the secondary while the probe is out, and replaces a probe that never came back', () => {
    // Prepare
    const halfOpen: BreakerState = {
      status: 'HALF_OPEN',
      failures: 0,
      openedAt: T0.toISOString(),
      probeStartedAt: at(30).toISOString(),
      version: 6,
    };

    // Act / Assess
    expect(routeFirstAttempt(halfOpen, at(40), SETTINGS)).toEqual({ route: 'secondary', probe: false });
    expect(routeFirstAttempt(halfOpen, at(60), SETTINGS)).toMatchObject({ route: 'primary', probe: true });
  });

  it('closes when the probe gets through and opens again when it fails', () => {
    // Prepare
    const halfOpen: BreakerState = {
      status: 'HALF_OPEN',
      failures: 0,
      probeStartedAt: T0.toISOString(),
      version: 6,
    };

    // Act / Assess
    expect(afterPrimarySuccess(halfOpen)).toMatchObject({
      next: { status: 'CLOSED', version: 7 },
      transition: 'CLOSED',
    });
    expect(afterPrimaryFailure(halfOpen, at(5), SETTINGS)).toMatchObject({
      next: { status: 'OPEN', openedAt: at(5).toISOString() },
      transition: 'OPENED',
    });
  });

  it('changes nothing for a success while closed or a late failure while open', () => {
    expect(afterPrimarySuccess({ ...CLOSED_BREAKER, failures: 2 })).toEqual({});
    expect(
      afterPrimaryFailure(
        { status: 'OPEN', failures: 0, openedAt: T0.toISOString(), version: 1 },
        at(1),
        SETTINGS,
      ),
    ).toEqual({});
  });
});

describe('createPrimaryBreaker', () => {
  function raceStore(): BreakerStore & { state: BreakerState; writes: number } {
    const store = {
      state: CLOSED_BREAKER,
      writes: 0,
      read: async () => store.state,
      write: async (next: BreakerState) => {
        if (next.version !== store.state.version + 1) return false;
        store.writes += 1;
        store.state = next;
        return true;
      },
    };
    return store;
  }

  it('loses no failure to concurrent writers: each conflict re-reads and counts again', async () => {
    // Prepare
    const store = raceStore();
    const breaker = createPrimaryBreaker({ store, settings: { ...SETTINGS, threshold: 10 }, now: () => T0 });

    // Act: three containers record at once
    await Promise.all([breaker.recordFailure(), breaker.recordFailure(), breaker.recordFailure()]);

    // Assess
    expect(store.state).toMatchObject({ status: 'CLOSED', failures: 3, version: 3 });
  });

  it('lets only one of many concurrent deliveries probe a breaker ready to half-open', async () => {
    // Prepare
    const store = raceStore();
    store.state = { status: 'OPEN', failures: 0, openedAt: T0.toISOString(), version: 1 };
    const breaker = createPrimaryBreaker({ store, settings: SETTINGS, now: () => at(31) });

    // Act
    const routes = await Promise.all(Array.from({ length: 5 }, () => breaker.routeFirstAttempt()));

    // Assess
    expect(routes.filter((step) => step.probe)).toHaveLength(1);
    expect(routes.filter((step) => step.route === 'secondary')).toHaveLength(4);
    expect(store.state.status).toBe('HALF_OPEN');
  });
});
