import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { AttemptNotFoundError, ConfigError } from '../../../lib/shared/errors';
import {
  TRANSIENT_RETRY,
  UNCORRELATED_RETRY,
  isTransientError,
  retryDelaySeconds,
} from '../../../lib/receipts/retry-policy';

describe('retry policy', () => {
  describe('an uncorrelated receipt', () => {
    it('waits 5 s, then twice as long per receive, at most 60 s', () => {
      // Act
      const delays = [1, 2, 3, 4, 5, 6, 20].map((receives) =>
        retryDelaySeconds(receives, UNCORRELATED_RETRY),
      );

      // Assess
      expect(delays).toEqual([5, 10, 20, 40, 60, 60, 60]);
    });

    it('treats a missing receive count as the first receive', () => {
      expect(retryDelaySeconds(0)).toBe(5);
    });
  });

  describe('a transient failure', () => {
    it('waits at most 2 s, 4 s, 8 s, 16 s, then 20 s, growing with the receive count', () => {
      // Act
      const longest = [1, 2, 3, 4, 5, 9].map((receives) =>
        retryDelaySeconds(receives, TRANSIENT_RETRY, () => 1),
      );

      // Assess
      expect(longest).toEqual([2, 4, 8, 16, 20, 20]);
    });

    it('spreads the delay over the upper half of each step, never below one second', () => {
      // Act
      const shortest = [1, 2, 3, 4, 5].map((receives) =>
        retryDelaySeconds(receives, TRANSIENT_RETRY, () => 0),
      );

      // Assess
      expect(shortest).toEqual([1, 2, 4, 8, 10]);
    });

    it('keeps every retry of the first four receives inside half of the default 60 s receipt window', () => {
      // Act
      const total = [1, 2, 3, 4].reduce(
        (sum, receives) => sum + retryDelaySeconds(receives, TRANSIENT_RETRY, () => 0.999),
        0,
      );

      // Assess
      expect(total).toBeLessThanOrEqual(30);
    });
  });

  describe('which errors are transient', () => {
    it.each([
      [
        'DynamoDB throttling',
        new ProvisionedThroughputExceededException({ message: 'Slow down', $metadata: {} }),
      ],
      [
        'Step Functions throttling',
        Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
      ],
      [
        'a 5xx',
        Object.assign(new Error('Internal'), {
          name: 'InternalServerError',
          $metadata: { httpStatusCode: 500 },
        }),
      ],
      [
        'a 429',
        Object.assign(new Error('Too many'), { name: 'Whatever', $metadata: { httpStatusCode: 429 } }),
      ],
      ['a server fault', Object.assign(new Error('Oops'), { name: 'ServiceFault', $fault: 'server' })],
      ['an error the service marks retryable', Object.assign(new Error('Later'), { $retryable: {} })],
      ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
      ['a reset socket', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
      ['a request timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
      ['one of ours marked retryable', new AttemptNotFoundError('m-1')],
    ])('retries %s soon', (_case, error) => {
      expect(isTransientError(error)).toBe(true);
    });

    it.each([
      [
        'access denied',
        Object.assign(new Error('not authorised'), {
          name: 'AccessDeniedException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        }),
      ],
      [
        'a missing table',
        Object.assign(new Error('no table'), {
          name: 'ResourceNotFoundException',
          $metadata: { httpStatusCode: 400 },
        }),
      ],
      ['a bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
      ['one of ours that retrying cannot fix', new ConfigError('bad setting')],
      ['something that is not an error', 'boom'],
    ])('leaves %s to the visibility timeout', (_case, error) => {
      expect(isTransientError(error)).toBe(false);
    });
  });
});
