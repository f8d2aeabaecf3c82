import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import { TASK_ERROR_NAMES } from '../../../lib/shared/errors';
import {
  EMAIL_RETRYABLE_FAILURES,
  EXPIRED_FAILURE,
  FALLBACK_FAILURES,
  RESENDABLE_FAILURES,
} from '../../../lib/workflow/next-step-policy';
import { LAMBDA_SERVICE_ERRORS as LAMBDA_ERRORS } from '../../../lib/workflow/task-errors';
import { parseAslYaml, type JsonObject } from '../../../local/asl-definition';
import { executionInputOf } from '../../../lib/delivery/workflow-starter';
import { DEFAULT_POLICY as POLICY } from '../../../lib/table/delivery-model';

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
  readonly MaxDelaySeconds?: number;
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
const lambdaTasks = tasks.filter(([, state]) => isLambdaTask(state)).map(([name]) => name);
/** The tasks that send: an AWS fault there is a transient failure of the attempt. */
const SENDING_TASKS = ['SendSms', 'SendEmail'];
/** Faults of AWS itself: Lambda could not run the task, or a service the task called stayed unavailable. */
const AWS_FAULTS = [...LAMBDA_ERRORS, 'Aws.Unavailable'];
/** Codes are typically valid 5–10 minutes: a sending task must leave time for a resend or the email. */
const MIN_RETRY_SECONDS = 60;
const MAX_SENDING_RETRY_SECONDS = 120;
/** States that end a delivery that could still have been delivered. */
const FAILURE_STATES = ['MarkUndeliverable', 'RecordOutcomeAfterError', 'DeliveryFailed'];

/** Whether an ASL error matcher list matches `error` (Step Functions: States.TaskFailed matches all but timeouts). */
function matches(errorEquals: readonly string[], error: string): boolean {
  return (
    errorEquals.includes(error) ||
    errorEquals.includes('States.ALL') ||
    (errorEquals.includes('States.TaskFailed') && error !== 'States.Timeout')
  );
}

/** The retrier Step Functions uses for `error`: the first that matches. */
function retrierFor(state: State, error: string): Retrier | undefined {
  return retriers(state).find((retrier) => matches(retrier.ErrorEquals, error));
}

/** The catcher Step Functions uses for `error` once the retries are spent: the first that matches. */
function catcherFor(state: State, error: string): Catcher | undefined {
  return catchers(state).find((catcher) => matches(catcher.ErrorEquals, error));
}

/**
 * The longest a retrier waits in total before its error is caught: the sum of its intervals, each capped
 * by MaxDelaySeconds. Full jitter draws each wait between 0 and that interval, about half on average.
 */
function retryCeilingSeconds(retrier: Retrier): number {
  const { IntervalSeconds = 1, BackoffRate = 2, MaxAttempts = 3, MaxDelaySeconds = Infinity } = retrier;
  let total = 0;
  for (let retry = 0; retry < MaxAttempts; retry += 1) {
    total += Math.min(IntervalSeconds * BackoffRate ** retry, MaxDelaySeconds);
  }
  return total;
}

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

  it.each(lambdaTasks)('%s retries Lambda service errors first', (name) => {
    const [first] = retriers(definition.States[name]!);

    expect(first?.ErrorEquals).toEqual(LAMBDA_SERVICE_ERRORS);
  });

  it('names the same Lambda service errors the workflow code treats as faults of AWS', () => {
    expect([...LAMBDA_ERRORS]).toEqual(LAMBDA_SERVICE_ERRORS);
  });

  it.each(lambdaTasks.flatMap((name) => AWS_FAULTS.map((fault) => [name, fault])))(
    '%s retries %s with growing, jittered waits for at least a minute in total',
    (name, fault) => {
      // Act
      const retrier = retrierFor(definition.States[name]!, fault);

      // Assess
      expect(retrier).toMatchObject({ JitterStrategy: 'FULL' });
      expect(retrier?.BackoffRate).toBeGreaterThan(1);
      expect(retryCeilingSeconds(retrier!)).toBeGreaterThanOrEqual(MIN_RETRY_SECONDS);
    },
  );

  it.each(SENDING_TASKS.flatMap((name) => AWS_FAULTS.map((fault) => [name, fault])))(
    '%s gives up retrying %s within two minutes, while a resend or the email still fits the code',
    (name, fault) => {
      const retrier = retrierFor(definition.States[name]!, fault);

      expect(retryCeilingSeconds(retrier!)).toBeLessThanOrEqual(MAX_SENDING_RETRY_SECONDS);
    },
  );

  it.each(['DecideNextStep', 'RecordOutcome'].flatMap((name) => AWS_FAULTS.map((fault) => [name, fault])))(
    '%s, which sends nothing, retries %s longer than the sending tasks before an error is fatal',
    (name, fault) => {
      const longest = Math.max(
        ...SENDING_TASKS.map((task) => retryCeilingSeconds(retrierFor(definition.States[task]!, fault)!)),
      );

      expect(retryCeilingSeconds(retrierFor(definition.States[name]!, fault)!)).toBeGreaterThan(longest);
    },
  );

  it.each(SENDING_TASKS.flatMap((name) => AWS_FAULTS.map((fault) => [name, fault])))(
    '%s hands %s that outlasts the retries to DecideNextStep, as a transient failure',
    (name, fault) => {
      // Act
      const catcher = catcherFor(definition.States[name]!, fault);

      // Assess: named explicitly (not left to States.ALL), and on a path into DecideNextStep.
      expect(catcher?.ErrorEquals).toContain(fault);
      expect(catcher?.ResultPath).toBe('$.lastError');
      expect(reachableFrom(catcher!.Next)).toContain('DecideNextStep');
      expect(FAILURE_STATES).not.toContain(catcher!.Next);
    },
  );

  it('never routes a fault of AWS straight to a failure state from any task', () => {
    const straightToFailure = tasks.flatMap(([name, state]) =>
      catchers(state)
        .filter((catcher) => catcher.ErrorEquals.some((error) => AWS_FAULTS.includes(error)))
        .filter((catcher) => FAILURE_STATES.includes(catcher.Next))
        .map((catcher) => `${name} → ${catcher.Next}`),
    );

    expect(straightToFailure).toEqual([]);
  });

  it('retries SES throttling on SendEmail like a Lambda throttle, then tries the email again', () => {
    const state = definition.States.SendEmail!;

    const retrier = retrierFor(state, 'Email.Unavailable');
    const catcher = catcherFor(state, 'Email.Unavailable');

    expect(retrier?.ErrorEquals).toEqual(['Email.Unavailable']);
    expect(retryCeilingSeconds(retrier!)).toBeGreaterThanOrEqual(MIN_RETRY_SECONDS);
    expect(retryCeilingSeconds(retrier!)).toBeLessThanOrEqual(MAX_SENDING_RETRY_SECONDS);
    expect(catcher?.Next).toBe('NoteEmailFailure');
    expect(definition.States.NoteEmailFailure).toMatchObject({
      Type: 'Pass',
      Result: 'SendEmail',
      ResultPath: '$.lastError.failedTask',
      Next: 'DecideNextStep',
    });
  });

  it('hands DecideNextStep the whole caught error, whose cause holds the reason code of an SMS failure', () => {
    expect(definition.States.DecideNextStep!.Parameters).toMatchObject({
      Payload: {
        'failure.$': '$.lastError.Error',
        'lastError.$': '$.lastError',
        'lastSmsFailure.$': '$.lastSmsFailure',
        'emailFailures.$': '$.emailFailures',
      },
    });
    expect(definition.States.RecordOutcome!.Parameters).toMatchObject({
      Payload: { 'lastSmsFailure.$': '$.lastSmsFailure' },
    });
  });

  it('retries Sinch.Unavailable with backoff on SendSms', () => {
    const retrier = retriers(definition.States.SendSms!).find((r) =>
      r.ErrorEquals.includes('Sinch.Unavailable'),
    );

    expect(retrier).toMatchObject({ MaxAttempts: expect.any(Number) });
    expect(retrier?.BackoffRate).toBeGreaterThan(1);
  });

  it('matches only error names that lib/shared/errors.ts defines, besides States.* and Lambda.*', () => {
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

  it('sends every email failure it retries through DecideNextStep to a name the policy retries', () => {
    const intoDecision = catchers(definition.States.SendEmail!).filter((c) =>
      reachableFrom(c.Next).has('DecideNextStep'),
    );

    const names = intoDecision.flatMap((c) => c.ErrorEquals);
    expect(names).toContain('Email.Unavailable');
    for (const name of names) expect(EMAIL_RETRYABLE_FAILURES).toContain(name);
  });

  it.each(tasks.map(([name]) => name))(
    '%s ends its Catch with States.ALL, on a path that fails the execution',
    (name) => {
      const all = catchers(definition.States[name]!);
      const last = all[all.length - 1];

      expect(last?.ErrorEquals).toEqual(['States.ALL']);
      // RecordOutcomeAfterError keeps the error that brought the delivery there.
      expect(last?.ResultPath).toBe(name === 'RecordOutcomeAfterError' ? null : '$.fatalError');
      const failStates = [...reachableFrom(last!.Next)].filter((s) => definition.States[s]?.Type === 'Fail');
      expect(failStates).toEqual(['DeliveryFailed']);
    },
  );

  it('fails the execution whenever a fatal error was caught, after recording the outcome', () => {
    const intoRecordAfterError = states.flatMap(([, state]) =>
      catchers(state).filter((catcher) => catcher.Next === 'RecordOutcomeAfterError'),
    );

    expect(intoRecordAfterError.length).toBeGreaterThan(0);
    for (const catcher of intoRecordAfterError) expect(catcher.ResultPath).toBe('$.fatalError');
    // The same task as RecordOutcome, with the outcome fixed to UNDELIVERABLE, then the execution fails.
    const record = definition.States.RecordOutcome!.Parameters as JsonObject;
    const { 'outcome.$': recordedOutcome, ...recordPayload } = record.Payload as JsonObject;
    expect(recordedOutcome).toBe('$.result.outcome');
    expect(definition.States.RecordOutcomeAfterError).toMatchObject({
      Parameters: { ...record, Payload: { ...recordPayload, outcome: 'UNDELIVERABLE' } },
      Retry: definition.States.RecordOutcome!.Retry,
      Next: 'DeliveryFailed',
    });
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
  });

  it('starts at SendSms on an input that holds every field a later Parameters path reads', () => {
    const input = executionInputOf({
      deliveryId: 'd-1',
      expiresAt: '2026-03-02T10:20:29.000Z',
      policy: POLICY,
    });
    // What the states set themselves before anything reads it: caught errors, results and decisions.
    const setByStates = new Set(['lastError', 'result', 'decision', 'outcome', 'fatalError']);
    const read = new Set(
      [...JSON.stringify(tasks.map(([, state]) => state.Parameters)).matchAll(/"\$\.(\w+)/g)].map(
        ([, field]) => field!,
      ),
    );

    expect(definition.StartAt).toBe('SendSms');
    for (const field of [...read].filter((name) => !setByStates.has(name))) {
      expect({ field, present: field in input }).toEqual({ field, present: true });
    }
    expect(input).toEqual({
      deliveryId: 'd-1',
      expiresAt: '2026-03-02T10:20:29.000Z',
      policy: POLICY,
      attempt: 1,
      failures: [],
      emailFailures: [],
      lastSmsFailure: null,
      provider: null,
    });
  });

  it('ends a delivery in RecordOutcome: the outcome is its output, and no state follows to cost a transition', () => {
    expect(definition.States.RecordOutcome).toMatchObject({ End: true, ResultPath: '$.outcome' });
    expect(states.filter(([, state]) => state.Type === 'Succeed')).toEqual([]);
    expect(states.filter(([, state]) => String(state.Resource).includes('events:'))).toEqual([]);
  });

  it('lets the send path choose the provider of attempt 1 and DecideNextStep every later one', () => {
    // Prepare
    const sendSms = definition.States.SendSms!;

    // Act
    const payload = (sendSms.Parameters as { Payload: Record<string, unknown> }).Payload;

    // Assess
    expect(
      executionInputOf({ deliveryId: 'd-1', expiresAt: '2026-03-02T10:20:29.000Z', policy: POLICY }),
    ).toMatchObject({
      provider: null,
    });
    expect(payload['provider.$']).toBe('$.provider');
  });
});
