import { SendEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import { EmailRejectedError, EmailUnavailableError } from '../shared/errors';

/**
 * The SES adapter for the fallback email. SES's error messages often quote the address ("The following
 * identities failed the check: …"), and errors end up in the execution history, so only the error's name
 * is carried over.
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
  // No HTTP status at all: the request never got an answer (DNS, connection reset, timeout).
  return shape.$metadata?.httpStatusCode === undefined;
}

/**
 * Creates the sender over an SES client (built once per container, injected).
 *
 * @example
 * const mailer = createSesEmailSender(new SESClient({}), 'no-reply@example.com');
 * const { messageId } = await mailer.send({ to, subject: 'Your code', text: 'Your code is 123456' });
 */
export function createSesEmailSender(ses: SESClient, from: string): EmailSender {
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
          });
        }
        throw new EmailRejectedError(`SES refused the email (${name})`);
      }
    },
  };
}
