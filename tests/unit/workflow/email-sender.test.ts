import { isRetryableSesError } from '../../../lib/workflow/email-sender';

describe('isRetryableSesError', () => {
  it.each([
    ['Throttling', { name: 'Throttling', $metadata: { httpStatusCode: 400 } }, true],
    [
      'a server fault',
      { name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 } },
      true,
    ],
    [
      'an SDK-marked retryable error',
      { name: 'Other', $retryable: {}, $metadata: { httpStatusCode: 400 } },
      true,
    ],
    [
      'no answer at all (network)',
      Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }),
      true,
    ],
    [
      'a rejected message',
      { name: 'MessageRejected', $fault: 'client', $metadata: { httpStatusCode: 400 } },
      false,
    ],
    [
      'an unverified sender',
      { name: 'MailFromDomainNotVerifiedException', $metadata: { httpStatusCode: 400 } },
      false,
    ],
    [
      'a paused account',
      { name: 'AccountSendingPausedException', $metadata: { httpStatusCode: 400 } },
      false,
    ],
  ])('treats %s as retryable: %s', (_what, error, retryable) => {
    expect(isRetryableSesError(error)).toBe(retryable);
  });
});
