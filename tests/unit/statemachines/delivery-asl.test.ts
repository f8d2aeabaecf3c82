import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import { TASK_ERROR_NAMES } from '../../../lib/shared/errors';
import {
  EXPIRED_FAILURE,
  FALLBACK_FAILURES,
  RESENDABLE_FAILURES,
} from '../../../lib/workflow/next-step-policy';
import { parseAslYaml, type JsonObject } from '../../../local/asl-definition';

/**
 * Structural rules of `statemachines/delivery.asl.yml` that asl-validator does not know about: retries,
 * error names, failure paths, timeouts, and what the workflow state may carry.
 */

const FILE = join(__dirname, '..', '..', '..', 'statemachines', 'delivery.asl.yml');
const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

interface Retrier {
  readonly ErrorEquals: string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
}
interface Catcher {
  readonly ErrorEquals: string[];
  readonly Next: string;
  readonly ResultPath?: string;
}
type State = JsonObject;

const definition = parseAslYaml(readFileSync(FILE, 'utf8')) as JsonObject & { States: Record<string, State> };
const states = Object.entries(definition.States);
const tasks = states.filter(([, state]) => state.Type === 'Task');
const isLambdaTask = (state: State) => String(state.Resource).startsWith('arn:aws:states:::lambda:invoke');
const retriers = (state: State) => (state.Retry ?? []) as unknown as Retrier[];
const catchers = (state: State) => (state.Catch ?? []) as unknown as Catcher[];

/** Every state reachable from `name` by Next, Default, Choices and Catch. */
function reachableFrom(name: string): Set<string> {
  const seen = new Set<string>();
  const queue = [name];
  while (queue.length > 0) {
    const current = queue.shift()!;
    if (seen.has(current)) continue;
    seen.add(current);
    const state = definition.States[current];
    if (!state) continue;
    const next = [
      state.Next,
      state.Default,
      ...((state.Choices ?? []) as JsonObject[]).map((choice) => choice.Next),
      ...catchers(state).map((catcher) => catcher.Next),
    ].filter((value): value is string => typeof value === 'string');
    queue.push(...next);
  }
  return seen;
}

describe('statemachines/delivery.asl.yml', () => {
  it('is valid ASL', () => {
    // asl-validator mutates what it validates.
    const result = aslValidator(JSON.parse(JSON.stringify(definition)));

    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('uses JSONPath only: the local engine ignores JSONata states', () => {
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    for (const [, state] of states) expect(state.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
  });

  it('never backs off by less than the previous interval (asl-validator misses BackoffRate < 1)', () => {
    const shrinking = states.flatMap(([name, state]) =>
      retriers(state)
        .filter((retrier) => (retrier.BackoffRate ?? 2) < 1 || (retrier.MaxAttempts ?? 3) < 1)
        .map((retrier) => `${name}: ${retrier.ErrorEquals.join(',')}`),
    );

    expect(shrinking).toEqual([]);
  });

  it.each(tasks.filter(([, state]) => isLambdaTask(state)).map(([name]) => name))(
    '%s retries Lambda service errors first',
    (name) => {
      const [first] = retriers(definition.States[name]!);

      expect(first?.ErrorEquals).toEqual(LAMBDA_SERVICE_ERRORS);
    },
  );

  it('retries Sinch.Unavailable with backoff on SendSms', () => {
    const retrier = retriers(definition.States.SendSms!).find((r) =>
      r.ErrorEquals.includes('Sinch.Unavailable'),
    );

    expect(retrier).toMatchObject({ MaxAttempts: expect.any(Number) });
    expect(retrier?.BackoffRate).toBeGreaterThan(1);
  });

  it('matches only error names that lib/errors.ts defines, besides States.* and Lambda.*', () => {
    const known = new Set<string>(TASK_ERROR_NAMES);
    for (const [name, state] of states) {
      for (const rule of [...retriers(state), ...catchers(state)]) {
        for (const error of rule.ErrorEquals) {
          if (error.startsWith('States.') || LAMBDA_SERVICE_ERRORS.includes(error)) continue;
          expect({ state: name, error, known: known.has(error) }).toEqual({
            state: name,
            error,
            known: true,
          });
        }
      }
    }
  });

  it('sends every failure it catches into DecideNextStep to a name the policy knows', () => {
    const policyKnows = new Set([...RESENDABLE_FAILURES, ...FALLBACK_FAILURES, EXPIRED_FAILURE]);
    const intoDecision = catchers(definition.States.SendSms!).filter((c) => c.Next === 'DecideNextStep');

    const names = intoDecision.flatMap((c) => c.ErrorEquals);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(policyKnows).toContain(name);
    // …and every SMS failure class the processor can report is among them.
    for (const name of TASK_ERROR_NAMES.filter((n) => n.startsWith('Sms.'))) expect(names).toContain(name);
    expect(names).toContain('States.Timeout');
  });

  it.each(tasks.map(([name]) => name))(
    '%s ends its Catch with States.ALL, on a path that fails the execution',
    (name) => {
      const all = catchers(definition.States[name]!);
      const last = all[all.length - 1];

      expect(last?.ErrorEquals).toEqual(['States.ALL']);
      expect(last?.ResultPath).toBe('$.fatalError');
      const failStates = [...reachableFrom(last!.Next)].filter((s) => definition.States[s]?.Type === 'Fail');
      expect(failStates).toEqual(['DeliveryFailed']);
    },
  );

  it('fails the execution whenever a fatal error was caught, after recording the outcome', () => {
    const [first] = (definition.States.EndWithOutcome!.Choices ?? []) as JsonObject[];

    expect(first).toEqual({ Variable: '$.fatalError', IsPresent: true, Next: 'DeliveryFailed' });
    expect(reachableFrom('MarkUndeliverableAfterError')).toContain('RecordOutcome');
    expect(definition.States.DeliveryFailed).toMatchObject({
      Type: 'Fail',
      ErrorPath: '$.fatalError.Error',
      CausePath: '$.fatalError.Cause',
    });
  });

  it('gives every Task a timeout, and SendSms the receipt window of the request policy', () => {
    for (const [name, state] of tasks) {
      expect({ name, timeout: state.TimeoutSeconds ?? state.TimeoutSecondsPath }).toEqual({
        name,
        timeout: expect.anything(),
      });
    }
    expect(definition.States.SendSms).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      TimeoutSecondsPath: '$.policy.receiptTimeoutSeconds',
    });
  });

  it('never decides on the clock in the state machine itself', () => {
    expect(JSON.stringify(definition)).not.toMatch(/\$\$\.State\.EnteredTime|\$\$\.Execution\.StartTime/);
  });

  it('passes the tasks identifiers only, never the recipient, the address or the text', () => {
    const parameterPaths = JSON.stringify(tasks.map(([, state]) => state.Parameters));

    expect(parameterPaths).not.toMatch(/\$\.(to|text|email|recipient|phone)\b/);
    expect(definition.States.PrepareDelivery!.Parameters).toEqual({
      'deliveryId.$': '$.deliveryId',
      'expiresAt.$': '$.expiresAt',
      'policy.$': '$.policy',
      attempt: 1,
      failures: [],
    });
  });

  it('names its end states after the outcomes', () => {
    const ends = states.filter(([, state]) => state.Type === 'Succeed').map(([name]) => name);

    expect(ends.sort()).toEqual(['Delivered', 'EmailSent', 'Expired', 'Undeliverable']);
  });
});
