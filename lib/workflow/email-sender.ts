import { SendEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import { ConfigError, EmailRejectedError, EmailUnavailableError } from '../shared/errors';

/**
 * The SES adapter for the fallback email. SES's error messages often quote the address ("The following
 * identities failed the check: …"), and errors end up in the execution history, so only the error's name
 * is carried over (as `sesError`, which the send-email handler counts in `EmailFailures`).
 */

export interface OutgoingEmail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

export interface EmailSender {
  /** Sends one plain-text email. Throws `EmailUnavailableError` (retry) or `EmailRejectedError` (do not). */
  send(email: OutgoingEmail): Promise<{ readonly messageId: string }>;
}

/** SES errors that mean "not now" rather than "not this email". */
const RETRYABLE_SES_ERRORS: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly $fault?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/** Whether SES (or the network to it) may accept the same email on a later try. */
export function isRetryableSesError(error: unknown): boolean {
  const shape = (error ?? {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : '';
  if (RETRYABLE_SES_ERRORS.has(name) || shape.$retryable !== undefined || shape.$fault === 'server') {
    return true;
  }
  const status = shape.$metadata?.httpStatusCode;
  // No HTTP status at all: the request never got an answer (DNS, connection reset, timeout).
  return status === undefined || status === 429 || (typeof status === 'number' && status >= 500);
}

// `Name <address>` or a bare address; the name may hold neither `<` nor `>`. The same rule derives the
// address for the IAM condition in serverless.yml (SendEmailRole), so code and policy agree on it.
const ADDRESS = String.raw`[^\s<>@]+@[^\s<>@]+`;
const SENDER_PATTERN = new RegExp(String.raw`^(?:(${ADDRESS})|[^<>]*<(${ADDRESS})>)$`);

/**
 * The address of a sender as SES's `ses:FromAddress` condition key sees it: the address alone, without
 * the display name.
 *
 * @throws {ConfigError} when `from` is neither an address nor `Name <address>`
 *
 * @example
 * senderAddress('codes@example.com'); // 'codes@example.com'
 * senderAddress('Example Codes <codes@example.com>'); // 'codes@example.com'
 */
export function senderAddress(from: string): string {
  const match = SENDER_PATTERN.exec(from);
  const address = match?.[1] ?? match?.[2];
  if (address === undefined) {
    throw new ConfigError('EMAIL_FROM must be an address or "Name <address>" (the name without < or >)');
  }
  return address;
}

/**
 * Creates the sender over an SES client (built once per container, injected). `from` is the `Source` of
 * every email, with its display name if it has one (SES shows it); it is checked here, so a malformed
 * sender fails the cold start instead of every email.
 *
 * @throws {ConfigError} when `from` is neither an address nor `Name <address>`
 *
 * @example
 * const mailer = createSesEmailSender(new SESClient({}), 'Example Codes <no-reply@example.com>');
 * const { messageId } = await mailer.send({ to, subject: 'Your code', text: 'Your code is 123456' });
 */
export function createSesEmailSender(ses: SESClient, from: string): EmailSender {
  senderAddress(from);
  return {
    async send(email) {
      try {
        const result = await ses.send(
          new SendEmailCommand({
            Source: from,
            Destination: { ToAddresses: [email.to] },
            Message: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: email.text, Charset: 'UTF-8' } },
            },
          }),
        );
        if (!result.MessageId) throw new EmailUnavailableError('SES answered without a MessageId');
        return { messageId: result.MessageId };
      } catch (error) {
        if (error instanceof EmailUnavailableError) throw error;
        const name = error instanceof Error ? error.name : 'UnknownError';
        if (isRetryableSesError(error)) {
          throw new EmailUnavailableError(`SES could not take the email right now (${name})`, {
            cause: error,
            sesError: name,
          });
        }
        throw new EmailRejectedError(`SES refused the email (${name})`, { sesError: name });
      }
    },
  };
}
