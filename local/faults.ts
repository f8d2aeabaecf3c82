/**
 * The AWS-side faults the local stack can inject (`npm start -- --faults <list>`, or `faults` in
 * `LocalStackOptions`): what each one is called on the command line, what value it takes, and the one
 * parser of the command-line form. What each fault does is implemented where the service is stood in for
 * (`lambda-runtime.ts`, `dynamodb-fault-proxy.ts`, `stepfunctions-stand-in.ts`, `ses-fault-proxy.ts`,
 * `sqs-front.ts`, `function-url.ts`, `webhook-sender.ts`, `sinch-simulator.ts`); whether it strikes is drawn
 * by `fault-injector.ts`.
 */

/** The faults, in the order they are documented, listed and formatted. */
export interface Faults {
  /** `lambda-throttle=<share>`: that share of Lambda invocations answer TooManyRequestsException (429). */
  readonly lambdaThrottle?: number;
  /** `dynamodb-throttle=<share>`: that share of the functions' DynamoDB requests answer ThrottlingException. */
  readonly dynamodbThrottle?: number;
  /** `sfn-throttle=<share>`: that share of StartExecution / SendTaskSuccess / SendTaskFailure are throttled. */
  readonly sfnThrottle?: number;
  /** `ses-sandbox`: SES refuses every recipient but the sender's own address (MessageRejected). */
  readonly sesSandbox?: boolean;
  /** `ses-throttle=<share>`: that share of SendEmail / SendRawEmail answer `Throttling`. */
  readonly sesThrottle?: number;
  /** `sqs-outage=<seconds>`: SendMessage answers 500 InternalError for that many real seconds from the first. */
  readonly sqsOutageSeconds?: number;
  /** `webhook-outage=<seconds>`: the ingress Function URL refuses connections for that many real seconds from the first. */
  readonly webhookOutageSeconds?: number;
  /** `sinch-keep-signature`: the simulated Sinch retries a webhook with the first try's headers. */
  readonly sinchKeepSignature?: boolean;
  /** `sinch-replay=<share>`: the simulated Sinch later re-POSTs that share of accepted webhooks verbatim. */
  readonly sinchReplay?: number;
  /**
   * `sinch-lost-answer=<share>`: the simulated Sinch accepts that share of `messages:send` requests but
   * the connection drops before its answer reaches the client.
   */
  readonly sinchLostAnswer?: number;
}

export type FaultName =
  | 'lambda-throttle'
  | 'dynamodb-throttle'
  | 'sfn-throttle'
  | 'ses-sandbox'
  | 'ses-throttle'
  | 'sqs-outage'
  | 'webhook-outage'
  | 'sinch-keep-signature'
  | 'sinch-replay'
  | 'sinch-lost-answer';

type ValueKind = 'share' | 'seconds' | 'flag';

interface FaultSpec {
  readonly name: FaultName;
  readonly key: keyof Faults;
  readonly kind: ValueKind;
  /** What it does, for `--help`. */
  readonly summary: string;
}

/** Every fault: its command-line name, its key in {@link Faults} and the kind of value it takes. */
export const FAULT_SPECS: readonly FaultSpec[] = [
  {
    name: 'lambda-throttle',
    key: 'lambdaThrottle',
    kind: 'share',
    summary:
      'that share of Lambda invocations are throttled (TooManyRequestsException): a Function URL answers ' +
      '429, a workflow task fails Lambda.TooManyRequestsException, an SQS batch stays on the queue',
  },
  {
    name: 'dynamodb-throttle',
    key: 'dynamodbThrottle',
    kind: 'share',
    summary: "that share of the functions' DynamoDB requests answer ThrottlingException (400)",
  },
  {
    name: 'sfn-throttle',
    key: 'sfnThrottle',
    kind: 'share',
    summary:
      'that share of StartExecution, SendTaskSuccess and SendTaskFailure answer ThrottlingException (400)',
  },
  {
    name: 'ses-sandbox',
    key: 'sesSandbox',
    kind: 'flag',
    summary: "SES in the sandbox: any recipient but the sender's own address gets MessageRejected (400)",
  },
  {
    name: 'ses-throttle',
    key: 'sesThrottle',
    kind: 'share',
    summary: 'that share of SES sends answer Throttling (400, "Maximum sending rate exceeded.")',
  },
  {
    name: 'sqs-outage',
    key: 'sqsOutageSeconds',
    kind: 'seconds',
    summary: 'SQS SendMessage answers InternalError (500) for that many seconds from the first one',
  },
  {
    name: 'webhook-outage',
    key: 'webhookOutageSeconds',
    kind: 'seconds',
    summary: 'the ingress Function URL refuses connections for that many seconds from the first one',
  },
  {
    name: 'sinch-keep-signature',
    key: 'sinchKeepSignature',
    kind: 'flag',
    summary: "Sinch's webhook retries resend the first try's headers instead of signing afresh",
  },
  {
    name: 'sinch-replay',
    key: 'sinchReplay',
    kind: 'share',
    summary: 'Sinch later re-POSTs that share of accepted webhooks verbatim (same body and headers)',
  },
  {
    name: 'sinch-lost-answer',
    key: 'sinchLostAnswer',
    kind: 'share',
    summary:
      'Sinch accepts that share of messages:send requests (and sends their reports), but the connection ' +
      'drops before the answer reaches the client',
  },
];

export const FAULT_NAMES: readonly FaultName[] = FAULT_SPECS.map((spec) => spec.name);

const specOf = (name: FaultName): FaultSpec => FAULT_SPECS.find((spec) => spec.name === name)!;

function acceptedForm(spec: FaultSpec): string {
  return spec.kind === 'flag' ? spec.name : `${spec.name}=<${spec.kind}>`;
}

/** The accepted forms, comma-separated, as the usage error and `--help` list them. */
export const ACCEPTED_FAULT_FORMS = FAULT_SPECS.map(acceptedForm).join(', ');

/** Wraps words into lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The faults section of `npm start -- --help`: one entry per fault, its accepted form and what it does. */
export function faultsHelp(): string {
  const column = Math.max(...FAULT_SPECS.map((spec) => acceptedForm(spec).length)) + 4;
  return FAULT_SPECS.flatMap((spec) =>
    wrap(spec.summary, 108 - column).map(
      (line, index) => `${(index === 0 ? `  ${acceptedForm(spec)}` : '').padEnd(column)}${line}`,
    ),
  ).join('\n');
}

/** A `--faults` list (or a `faults` option) that cannot be used; the message names the bad item. */
export class FaultUsageError extends Error {
  override readonly name = 'FaultUsageError';
}

function usageError(item: string, problem: string): FaultUsageError {
  return new FaultUsageError(
    `Invalid --faults item "${item}": ${problem}. Accepted (comma-separated): ${ACCEPTED_FAULT_FORMS}; ` +
      'a <share> is a decimal from 0 to 1, <seconds> a positive number.',
  );
}

/** A plain decimal, as typed: digits, optionally a point and more digits (no sign, exponent or hex). */
const DECIMAL = /^(\d+(\.\d+)?|\.\d+)$/;

/** Why `value` is not acceptable for a fault of this kind, or undefined when it is. */
function valueProblem(spec: FaultSpec, value: unknown): string | undefined {
  switch (spec.kind) {
    case 'flag':
      return value === true ? undefined : `${spec.name} takes no value`;
    case 'share':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1
        ? undefined
        : `the share of ${spec.name} must be a decimal from 0 to 1 (e.g. 0.25)`;
    case 'seconds':
      return typeof value === 'number' && Number.isFinite(value) && value > 0
        ? undefined
        : `the seconds of ${spec.name} must be a positive number (e.g. 30)`;
  }
}

/**
 * Parses the `--faults` list: comma-separated items, each `name=<share>`, `name=<seconds>` or a bare `name`
 * (see {@link ACCEPTED_FAULT_FORMS}). Unknown names, duplicates, missing, extra and bad values are refused
 * with a {@link FaultUsageError} naming the item.
 *
 * @example
 * parseFaults('lambda-throttle=0.2,ses-sandbox'); // { lambdaThrottle: 0.2, sesSandbox: true }
 */
export function parseFaults(text: string): Faults {
  const faults: Record<string, number | boolean> = {};
  const seen = new Set<FaultName>();
  if (text.trim() === '') throw usageError(text, 'the list is empty');
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') throw usageError(raw, 'an item is empty (a stray comma?)');
    const equals = item.indexOf('=');
    const name = (equals === -1 ? item : item.slice(0, equals)).trim();
    const valueText = equals === -1 ? undefined : item.slice(equals + 1).trim();
    const spec = FAULT_SPECS.find((candidate) => candidate.name === name);
    if (!spec) throw usageError(item, `"${name}" is not a fault`);
    if (seen.has(spec.name)) throw usageError(item, `${spec.name} is given more than once`);
    seen.add(spec.name);
    let value: number | boolean;
    if (spec.kind === 'flag') {
      if (valueText !== undefined) throw usageError(item, `${spec.name} takes no value`);
      value = true;
    } else {
      if (valueText === undefined || valueText === '') {
        throw usageError(item, `${spec.name} needs a value: ${acceptedForm(spec)}`);
      }
      value = DECIMAL.test(valueText) ? Number(valueText) : Number.NaN;
    }
    const problem = valueProblem(spec, value);
    if (problem) throw usageError(item, problem);
    faults[spec.key] = value;
  }
  return faults as Faults;
}

/**
 * Checks a {@link Faults} given in code (`LocalStackOptions.faults`) as strictly as {@link parseFaults}
 * checks the command line, and returns it without the faults that are off (`false` flags).
 */
export function validateFaults(faults: Faults): Faults {
  const checked: Record<string, number | boolean> = {};
  for (const [key, value] of Object.entries(faults) as [string, unknown][]) {
    const spec = FAULT_SPECS.find((candidate) => candidate.key === key);
    if (!spec)
      throw new FaultUsageError(
        `Unknown fault option "${key}". Known: ${FAULT_SPECS.map((s) => s.key).join(', ')}`,
      );
    if (value === undefined || (spec.kind === 'flag' && value === false)) continue;
    const problem = valueProblem(spec, value);
    if (problem) throw usageError(`${spec.name}=${String(value)}`, problem);
    checked[key] = value as number | boolean;
  }
  return checked as Faults;
}

/** The faults that are on, normalised as command-line items in the documented order (`.local/stack.json`). */
export function formatFaults(faults: Faults): string[] {
  return FAULT_SPECS.flatMap((spec) => {
    const value = faults[spec.key];
    if (value === undefined || value === false) return [];
    return [spec.kind === 'flag' ? spec.name : `${spec.name}=${String(value)}`];
  });
}

/** Whether a fault is on (a flag set, a share or a duration given; a share of 0 counts as on but never strikes). */
export function isFaultOn(faults: Faults, name: FaultName): boolean {
  const value = faults[specOf(name).key];
  return value !== undefined && value !== false;
}

/** The share of a share fault (0 when it is off). */
export function shareOf(faults: Faults, name: FaultName): number {
  const value = faults[specOf(name).key];
  return typeof value === 'number' && specOf(name).kind === 'share' ? value : 0;
}

/** The duration of an outage fault in seconds (0 when it is off). */
export function secondsOf(faults: Faults, name: FaultName): number {
  const value = faults[specOf(name).key];
  return typeof value === 'number' && specOf(name).kind === 'seconds' ? value : 0;
}
