import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { createSesEmailSender, isRetryableSesError, senderAddress } from '../../../lib/workflow/email-sender';

const sesMock = mockClient(SESClient);
const EMAIL = { to: 'alice@example.com', subject: 'Your code', text: 'Your code is 482913.' };

beforeEach(() => {
  sesMock.reset();
  sesMock.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
});

describe('isRetryableSesError', () => {
  it.each([
    ['Throttling', true, { name: 'Throttling', $metadata: { httpStatusCode: 400 } }],
    [
      'a server fault',
      true,
      { name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 } },
    ],
    [
      'an SDK-marked retryable error',
      true,
      { name: 'Other', $retryable: {}, $metadata: { httpStatusCode: 400 } },
    ],
    ['an HTTP 429 of any name', true, { name: 'SlowDown', $metadata: { httpStatusCode: 429 } }],
    ['an HTTP 503 without a fault mark', true, { name: 'Unavailable', $metadata: { httpStatusCode: 503 } }],
    [
      'no answer at all (network)',
      true,
      Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }),
    ],
    [
      'a rejected message',
      false,
      { name: 'MessageRejected', $fault: 'client', $metadata: { httpStatusCode: 400 } },
    ],
    [
      'an unverified sender',
      false,
      { name: 'MailFromDomainNotVerifiedException', $metadata: { httpStatusCode: 400 } },
    ],
    [
      'a paused account',
      false,
      { name: 'AccountSendingPausedException', $metadata: { httpStatusCode: 400 } },
    ],
    [
      'a sender the IAM condition refuses',
      false,
      { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } },
    ],
  ])('treats %s as retryable: %s', (_what, retryable, error) => {
    expect(isRetryableSesError(error)).toBe(retryable);
  });
});

describe('senderAddress', () => {
  it.each([
    ['codes@example.com', 'codes@example.com'],
    ['Codes <codes@example.com>', 'codes@example.com'],
    ['"Example, Inc. Codes" <codes@example.com>', 'codes@example.com'],
    ['<codes@example.com>', 'codes@example.com'],
  ])('takes the address SES matches ses:FromAddress against out of %s', (from, address) => {
    expect(senderAddress(from)).toBe(address);
  });

  it.each(['', 'codes', 'Codes codes@example.com', 'Codes <codes@example.com', 'A <b> <codes@example.com>'])(
    'refuses %p, which is neither an address nor Name <address>',
    (from) => {
      expect(() => senderAddress(from)).toThrow(expect.objectContaining({ name: 'ConfigError' }));
    },
  );
});

describe('createSesEmailSender', () => {
  it('sends from the display name and address as configured', async () => {
    // Prepare
    const mailer = createSesEmailSender(new SESClient({ region: 'us-east-1' }), 'Codes <codes@example.com>');

    // Act
    await mailer.send(EMAIL);

    // Assess
    expect(sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input.Source).toBe('Codes <codes@example.com>');
  });

  it('refuses a malformed sender when it is created, not when the first email is due', () => {
    expect(() =>
      createSesEmailSender(new SESClient({ region: 'us-east-1' }), 'codes at example.com'),
    ).toThrow(expect.objectContaining({ name: 'ConfigError' }));
  });

  it.each([
    ['MessageRejected', 400, 'Email.Rejected'],
    ['Throttling', 400, 'Email.Unavailable'],
  ])('names the SES error (%s) on the error it throws, without its message', async (name, status, thrown) => {
    // Prepare
    sesMock.on(SendEmailCommand).rejects(
      Object.assign(new Error('Email address is not verified: alice@example.com'), {
        name,
        $metadata: { httpStatusCode: status },
      }),
    );
    const mailer = createSesEmailSender(new SESClient({ region: 'us-east-1' }), 'codes@example.com');

    // Act
    const error = await mailer.send(EMAIL).then(
      () => undefined,
      (e: unknown) => e as Error & { sesError?: string },
    );

    // Assess
    expect(error).toMatchObject({ name: thrown, sesError: name });
    expect(error?.message).not.toContain('alice@example.com');
  });
});
