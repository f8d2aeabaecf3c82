import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import { NotFoundError } from '../../../lib/shared/errors';
import { asTaskError, transientAwsErrors } from '../../../lib/workflow/task-errors';
import { aLambdaContext } from '../../builders/function-url-event';

describe('asTaskError', () => {
  it('renames a transient AWS error Aws.Unavailable and keeps the original as its cause', () => {
    // Prepare
    const throttled = new ProvisionedThroughputExceededException({
      message: 'throttled',
      $metadata: { httpStatusCode: 400 },
    });

    // Act
    const error = asTaskError(throttled);

    // Assess
    expect(error).toMatchObject({
      name: 'Aws.Unavailable',
      message: expect.stringContaining('ProvisionedThroughputExceededException'),
      cause: throttled,
    });
  });

  it('leaves every other error as it is', () => {
    const notFound = new NotFoundError('Delivery d-1 has no META item');

    expect(asTaskError(notFound)).toBe(notFound);
  });
});

describe('transientAwsErrors middleware', () => {
  it('makes a handler end with Aws.Unavailable when the AWS service it called stayed throttled', async () => {
    // Prepare
    const handler = middy<unknown, unknown>()
      .use(transientAwsErrors())
      .handler(async () => {
        throw Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
          $metadata: { httpStatusCode: 400 },
        });
      });

    // Act
    const invoked = handler({}, aLambdaContext());

    // Assess
    await expect(invoked).rejects.toMatchObject({ name: 'Aws.Unavailable' });
  });
});
