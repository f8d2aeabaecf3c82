import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { isTransientAwsError } from '../../../lib/shared/aws-errors';
import { SinchUnavailableError } from '../../../lib/shared/errors';

describe('isTransientAwsError', () => {
  it.each([
    [
      'DynamoDB throttling',
      true,
      new ProvisionedThroughputExceededException({
        message: 'throttled',
        $metadata: { httpStatusCode: 400 },
      }),
    ],
    [
      'an on-demand table throttled',
      true,
      Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400 },
      }),
    ],
    [
      'a DynamoDB 500',
      true,
      new InternalServerError({ message: 'oops', $metadata: { httpStatusCode: 500 } }),
    ],
    [
      'no answer after the SDK retries (connection reset)',
      true,
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: { attempts: 3 } }),
    ],
    [
      'a 503 of any name',
      true,
      Object.assign(new Error('down'), { name: 'Unavailable', $metadata: { httpStatusCode: 503 } }),
    ],
    [
      'a failed condition',
      false,
      new ConditionalCheckFailedException({ message: 'exists', $metadata: { httpStatusCode: 400 } }),
    ],
    [
      'access denied',
      false,
      Object.assign(new Error('no'), {
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    ],
    [
      'a network error with no SDK metadata',
      true,
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ],
    ['a bug', false, new TypeError("Cannot read properties of undefined (reading 'to')")],
    ['one of our own errors', false, new SinchUnavailableError('Sinch answered 503', 503)],
    ['not an error at all', false, 'Throttling'],
  ])('treats %s as transient: %s', (_what, transient, error) => {
    expect(isTransientAwsError(error)).toBe(transient);
  });
});
