import { createFaultInjector, NO_FAULTS } from '../../../local/fault-injector';
import { FAULT_NAMES } from '../../../local/faults';

describe('the fault injector', () => {
  it('strikes every time at a share of 1, counting and logging each injection', () => {
    // Prepare
    const lines: string[] = [];
    const injector = createFaultInjector({
      faults: { dynamodbThrottle: 1 },
      log: (line) => lines.push(line),
    });

    // Act
    const struck = [1, 2, 3].map(() =>
      injector.strikes('dynamodb-throttle', 'PutItem', 'ThrottlingException'),
    );

    // Assess
    expect(struck).toEqual([true, true, true]);
    expect(injector.counts()['dynamodb-throttle']).toBe(3);
    expect(lines).toEqual([
      'fault dynamodb-throttle: ThrottlingException (#1)',
      'fault dynamodb-throttle: ThrottlingException (#2)',
      'fault dynamodb-throttle: ThrottlingException (#3)',
    ]);
  });

  it('never strikes at a share of 0, nor for a fault that is off', () => {
    // Prepare
    const lines: string[] = [];
    const injector = createFaultInjector({ faults: { lambdaThrottle: 0 }, log: (line) => lines.push(line) });

    // Act
    const struck = Array.from({ length: 50 }, () => [
      injector.strikes('lambda-throttle', 'ingress', 'x'),
      injector.strikes('sfn-throttle', 'StartExecution', 'x'),
    ]).flat();

    // Assess
    expect(struck.every((value) => !value)).toBe(true);
    expect(lines).toEqual([]);
    expect(injector.isOn('lambda-throttle')).toBe(true);
    expect(injector.isOn('sfn-throttle')).toBe(false);
  });

  it('draws the same decisions for the same seed, per stream, whatever other streams draw', () => {
    // Prepare
    const first = createFaultInjector({ faults: { lambdaThrottle: 0.5 }, seed: 7 });
    const second = createFaultInjector({ faults: { lambdaThrottle: 0.5 }, seed: 7 });
    const other = createFaultInjector({ faults: { lambdaThrottle: 0.5 }, seed: 8 });

    // Act
    const draws = (injector: typeof first, interleave: boolean) =>
      Array.from({ length: 40 }, () => {
        if (interleave) injector.strikes('lambda-throttle', 'processor', 'x');
        return injector.strikes('lambda-throttle', 'ingress', 'x');
      });
    const a = draws(first, false);
    const b = draws(second, true);
    const c = draws(other, false);

    // Assess
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(a.filter(Boolean).length).toBeGreaterThan(5);
    expect(a.filter(Boolean).length).toBeLessThan(35);
  });

  it('refuses during an outage window that opens at the first request after start and lasts its seconds', () => {
    // Prepare
    let now = 1_000_000;
    const injector = createFaultInjector({ faults: { sqsOutageSeconds: 30 }, now: () => now });

    // Act: the first request comes long after the start, as on a busy machine
    const beforeStart = injector.refuses('sqs-outage', 'SendMessage');
    injector.start();
    now += 120_000;
    const first = injector.refuses('sqs-outage', 'SendMessage');
    now += 29_999;
    const during = injector.refuses('sqs-outage', 'SendMessage');
    now += 1;
    const after = injector.refuses('sqs-outage', 'SendMessage');
    const otherOutage = injector.refuses('webhook-outage', 'connection');
    injector.stop();

    // Assess
    expect({ beforeStart, first, during, after, otherOutage }).toEqual({
      beforeStart: false,
      first: true,
      during: true,
      after: false,
      otherOutage: false,
    });
    expect(injector.counts()['sqs-outage']).toBe(2);
  });

  it('counts a recorded injection and reports zero for every other fault', () => {
    // Prepare
    const injector = createFaultInjector({ faults: { sesSandbox: true } });

    // Act
    injector.record('ses-sandbox', 'MessageRejected');

    // Assess
    expect(Object.keys(injector.counts()).sort()).toEqual([...FAULT_NAMES].sort());
    expect(injector.counts()).toMatchObject({ 'ses-sandbox': 1, 'lambda-throttle': 0 });
  });

  it('injects nothing when no fault is on', () => {
    expect(FAULT_NAMES.some((name) => NO_FAULTS.isOn(name))).toBe(false);
    expect(NO_FAULTS.strikes('lambda-throttle', 'ingress', 'x')).toBe(false);
  });
});
