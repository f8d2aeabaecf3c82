import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { isConditionalCheckFailed } from '../../../lib/table/conditional-check';

describe('isConditionalCheckFailed', () => {
  it("recognises the SDK's ConditionalCheckFailedException", () => {
    const error = new ConditionalCheckFailedException({
      message: 'The conditional request failed',
      $metadata: {},
    });

    expect(isConditionalCheckFailed(error)).toBe(true);
  });

  it('recognises an error of that name from another copy of the SDK, or a plain object', () => {
    const otherCopy = Object.assign(new Error('The conditional request failed'), {
      name: 'ConditionalCheckFailedException',
    });

    expect(isConditionalCheckFailed(otherCopy)).toBe(true);
    expect(isConditionalCheckFailed({ name: 'ConditionalCheckFailedException' })).toBe(true);
  });

  it.each([
    [
      'another DynamoDB error',
      Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }),
    ],
    ['an error without a name', { message: 'ConditionalCheckFailedException' }],
    ['a string', 'ConditionalCheckFailedException'],
    ['undefined', undefined],
    ['null', null],
  ])('is false for %s', (_label, error) => {
    expect(isConditionalCheckFailed(error)).toBe(false);
  });
});
