import { createHash } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/mobile';
import { ulid } from 'ulid';
import * as v from 'valibot';
import { ValidationError, type FieldIssue } from '../shared/errors';
import { DEFAULT_POLICY, DELIVERY_ID_PATTERN, type DeliveryPolicy } from '../table/delivery-model';

/**
 * The send request a product service makes, and the one set of rules every entry point (the send API and
 * `DeliveryClient`) applies to it. Validation is pure: the clock and the id generator are parameters.
 */

/** The email sent if the SMS cannot be delivered in time. */
export interface EmailFallback {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/** What a caller sends. See README "Sending a delivery". */
export interface DeliveryRequest {
  /** Idempotency key and execution name, `[A-Za-z0-9_-]{1,80}`. A ULID is generated when absent. */
  readonly deliveryId?: string;
  /** E.164 number of a mobile phone, e.g. `+447400123456`. */
  readonly to: string;
  /** The SMS text (it usually holds the code), 1–1600 characters. */
  readonly text: string;
  readonly email?: EmailFallback;
  /** ISO 8601 timestamp with a time zone: when the code stops being valid. At most 24 h away. */
  readonly expiresAt: string;
  /** Overrides of {@link DEFAULT_POLICY}; omitted fields keep their defaults. */
  readonly policy?: Partial<DeliveryPolicy>;
}

/** A request that passed validation: id assigned, policy complete, `expiresAt` in canonical UTC form. */
export interface ValidDeliveryRequest {
  readonly deliveryId: string;
  readonly to: string;
  readonly text: string;
  readonly email?: EmailFallback;
  readonly expiresAt: string;
  readonly policy: DeliveryPolicy;
}

/** The bounds the validator enforces, exported so documentation and tests quote the same numbers. */
export const REQUEST_LIMITS = {
  textMaxChars: 1600,
  /** A code that stays valid longer than a day is not a transactional code; it also bounds the workflow. */
  maxValiditySeconds: 24 * 60 * 60,
  emailAddressMaxChars: 254,
  emailSubjectMaxChars: 200,
  emailTextMaxChars: 10_000,
  maxSmsAttempts: { min: 1, max: 5 },
  receiptTimeoutSeconds: { min: 10, max: 3600 },
  resendBackoffSeconds: { maxEntries: 5, min: 0, max: 3600 },
} as const;

/** Timestamps must name their offset: a local time would mean a different instant in every region. */
const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;
const E164_SHAPE = /^\+[1-9]\d{1,14}$/;
const LINE_BREAK = /[\r\n]/;

/**
 * `Date.parse` rolls 30 February over into March and accepts 24:00, so the fields are checked one by one:
 * a typo in an expiry must be an error, not a different instant.
 */
function isRealTimestamp(timestamp: string): boolean {
  const match = ISO_TIMESTAMP.exec(timestamp);
  if (!match) return false;
  const [year, month, day, hour, minute, second, offsetHour = 0, offsetMinute = 0] = match
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part)));
  const date = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month! - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second &&
    offsetHour <= 23 &&
    offsetMinute <= 59
  );
}

/** Unicode code points, so an emoji counts as one character, not two UTF-16 units. */
function charCount(text: string): number {
  return [...text].length;
}

/**
 * `libphonenumber-js/mobile` metadata knows only the mobile number patterns, so `isValid()` is true exactly
 * for numbers that can receive an SMS (including the US/CA ranges shared by fixed and mobile lines).
 * See docs/decisions/0004-mobile-phone-metadata.md for why not `/min` or `/max`.
 */
function isMobileNumber(e164: string): boolean {
  const parsed = parsePhoneNumberFromString(e164);
  return parsed !== undefined && parsed.isValid() && parsed.number === e164;
}

type IssueLike = { readonly expected: string | null; readonly input: unknown };

/** Messages for the object level: a missing key, or not an object at all. */
function objectMessage(issue: IssueLike): string {
  if (issue.expected?.startsWith('"')) return 'is required';
  return 'must be an object';
}

function isJsonObject(input: unknown): input is Record<string, unknown> {
  return typeof input === 'object' && input !== null && !Array.isArray(input);
}

/**
 * A JSON object with these fields. Valibot's object schemas accept arrays, JSON objects do not. Unknown
 * fields are reported by {@link unknownFieldIssues} (Valibot's strict objects stop at the first one), and
 * the output holds only the known fields, so nothing else (`__proto__`, `constructor`) survives.
 */
function jsonObject<const TEntries extends v.ObjectEntries>(entries: TEntries) {
  return v.pipe(
    v.custom<Record<string, unknown>>(isJsonObject, 'must be an object'),
    v.object(entries, objectMessage),
  );
}

function typeMessage(kind: string): (issue: IssueLike) => string {
  return (issue) => (issue.input === undefined ? 'is required' : `must be ${kind}`);
}

function integerBetween(min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message));
}

const { resendBackoffSeconds: backoff } = REQUEST_LIMITS;

const policySchema = jsonObject({
  maxSmsAttempts: v.optional(
    integerBetween(REQUEST_LIMITS.maxSmsAttempts.min, REQUEST_LIMITS.maxSmsAttempts.max),
  ),
  receiptTimeoutSeconds: v.optional(
    integerBetween(REQUEST_LIMITS.receiptTimeoutSeconds.min, REQUEST_LIMITS.receiptTimeoutSeconds.max),
  ),
  resendBackoffSeconds: v.optional(
    v.pipe(
      v.array(integerBetween(backoff.min, backoff.max), 'must be a list of seconds'),
      v.maxLength(backoff.maxEntries, `must have at most ${backoff.maxEntries} entries`),
    ),
  ),
});

const emailSchema = jsonObject({
  to: v.pipe(
    v.string(typeMessage('an email address')),
    v.maxLength(
      REQUEST_LIMITS.emailAddressMaxChars,
      `must be at most ${REQUEST_LIMITS.emailAddressMaxChars} characters`,
    ),
    v.email('must be a valid email address'),
  ),
  subject: v.pipe(
    v.string(typeMessage('a string')),
    v.check((s) => s.trim().length > 0, 'must not be empty'),
    // A line break in a subject would let a caller inject mail headers.
    v.check((s) => !LINE_BREAK.test(s), 'must be a single line'),
    v.check(
      (s) => charCount(s) <= REQUEST_LIMITS.emailSubjectMaxChars,
      `must be at most ${REQUEST_LIMITS.emailSubjectMaxChars} characters`,
    ),
  ),
  text: v.pipe(
    v.string(typeMessage('a string')),
    v.check((s) => s.trim().length > 0, 'must not be empty'),
    v.check(
      (s) => charCount(s) <= REQUEST_LIMITS.emailTextMaxChars,
      `must be at most ${REQUEST_LIMITS.emailTextMaxChars} characters`,
    ),
  ),
});

function requestSchema(now: Date) {
  const latest = now.getTime() + REQUEST_LIMITS.maxValiditySeconds * 1000;
  return jsonObject({
    deliveryId: v.optional(
      v.pipe(
        v.string(typeMessage('a string')),
        v.regex(DELIVERY_ID_PATTERN, 'must be 1 to 80 letters, digits, "_" or "-"'),
      ),
    ),
    to: v.pipe(
      v.string(typeMessage('a phone number in E.164 form')),
      v.regex(E164_SHAPE, 'must be an E.164 number such as +447400123456 (no spaces)'),
      v.check(isMobileNumber, 'must be a valid mobile number'),
    ),
    text: v.pipe(
      v.string(typeMessage('a string')),
      v.check((s) => s.trim().length > 0, 'must not be empty'),
      v.check(
        (s) => charCount(s) <= REQUEST_LIMITS.textMaxChars,
        `must be at most ${REQUEST_LIMITS.textMaxChars} characters`,
      ),
    ),
    email: v.optional(emailSchema),
    expiresAt: v.pipe(
      v.string(typeMessage('an ISO 8601 timestamp')),
      v.regex(ISO_TIMESTAMP, 'must be an ISO 8601 timestamp with a time zone, e.g. 2030-01-01T12:00:00Z'),
      v.check(isRealTimestamp, 'must be a real date and time'),
      v.check((s) => Date.parse(s) > now.getTime(), 'must be in the future'),
      v.check((s) => Date.parse(s) <= latest, 'must be at most 24 hours from now'),
    ),
    policy: v.optional(policySchema),
  });
}

/** The fields of the request and of its nested objects; anything else is refused, each one by name. */
const KNOWN_FIELDS = {
  request: ['deliveryId', 'to', 'text', 'email', 'expiresAt', 'policy'],
  email: ['to', 'subject', 'text'],
  policy: ['maxSmsAttempts', 'receiptTimeoutSeconds', 'resendBackoffSeconds'],
} as const;

function unknownKeys(input: unknown, known: readonly string[], prefix: string): FieldIssue[] {
  if (!isJsonObject(input)) return [];
  // Own keys only, as JSON.parse creates them: `{"__proto__": 1}` has an own key named `__proto__`.
  return Object.keys(input)
    .filter((key) => !known.includes(key))
    .map((key) => ({ path: `${prefix}${key}`, message: 'is not a recognised field' }));
}

/** One issue per unknown field, at every level of the request. */
function unknownFieldIssues(input: unknown): FieldIssue[] {
  const nested = isJsonObject(input) ? input : {};
  return [
    ...unknownKeys(input, KNOWN_FIELDS.request, ''),
    ...unknownKeys(nested.email, KNOWN_FIELDS.email, 'email.'),
    ...unknownKeys(nested.policy, KNOWN_FIELDS.policy, 'policy.'),
  ];
}

/** `policy.resendBackoffSeconds[1]`: dotted keys, array positions in brackets. */
function formatPath(path: readonly { readonly key: unknown }[] | undefined): string {
  if (!path?.length) return '(body)';
  return path
    .map(({ key }, index) => (typeof key === 'number' ? `[${key}]` : `${index ? '.' : ''}${String(key)}`))
    .join('');
}

/**
 * Validates a send request and fills in what the caller may omit.
 *
 * Every broken rule is reported, one issue per field, so a caller can fix the request in one round trip.
 *
 * @param input - the parsed JSON body or the object given to `DeliveryClient.send`
 * @param options.now - the current time; `expiresAt` must lie after it and at most 24 h beyond it
 * @param options.newId - generates a `deliveryId` when the caller gave none (ULID by default)
 * @throws {ValidationError} with a {@link FieldIssue} per invalid field
 *
 * @example
 * const request = validateDeliveryRequest(body, { now: new Date() });
 * request.policy.maxSmsAttempts; // 3 unless the caller chose otherwise
 */
export function validateDeliveryRequest(
  input: unknown,
  options: { readonly now: Date; readonly newId?: () => string },
): ValidDeliveryRequest {
  const result = v.safeParse(requestSchema(options.now), input, {
    abortEarly: false,
    abortPipeEarly: true,
  });
  const unknown = unknownFieldIssues(input);
  if (!result.success || unknown.length > 0) {
    const issues: FieldIssue[] = [
      ...(result.issues ?? []).map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
      ...unknown,
    ];
    throw new ValidationError(issues);
  }
  const { deliveryId, to, text, email, expiresAt, policy } = result.output;
  return {
    deliveryId: deliveryId ?? (options.newId ?? ulid)(),
    to,
    text,
    ...(email && { email: { to: email.to, subject: email.subject, text: email.text } }),
    expiresAt: new Date(expiresAt).toISOString(),
    policy: {
      maxSmsAttempts: policy?.maxSmsAttempts ?? DEFAULT_POLICY.maxSmsAttempts,
      receiptTimeoutSeconds: policy?.receiptTimeoutSeconds ?? DEFAULT_POLICY.receiptTimeoutSeconds,
      resendBackoffSeconds: policy?.resendBackoffSeconds ?? DEFAULT_POLICY.resendBackoffSeconds,
    },
  };
}

/**
 * SHA-256 over the normalised request without its id. Two sends with the same `deliveryId` are the same
 * delivery when their fingerprints match (an idempotent retry) and a conflict when they differ. Keys are
 * written in a fixed order so the fingerprint does not depend on how the caller ordered its JSON.
 */
export function fingerprintRequest(request: ValidDeliveryRequest): string {
  const canonical = JSON.stringify([
    request.to,
    request.text,
    request.email ? [request.email.to, request.email.subject, request.email.text] : null,
    request.expiresAt,
    [
      request.policy.maxSmsAttempts,
      request.policy.receiptTimeoutSeconds,
      [...request.policy.resendBackoffSeconds],
    ],
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
