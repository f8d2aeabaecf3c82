import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Options every Lambda gives its AWS SDK clients. */
export interface BoundedClientOptions {
  readonly maxAttempts: number;
  readonly requestHandler: { readonly connectionTimeout: number; readonly requestTimeout: number };
}

/**
 * SDK client options with a short connection timeout, a bounded request timeout and three attempts. A hung
 * call then fails well inside the function's own timeout, and whoever invoked the function (Sinch, SQS,
 * Step Functions, the caller of the send API) retries it, instead of the whole invocation timing out.
 *
 * @example
 * const sfn = new SFNClient(boundedClientOptions(2000));
 */
export function boundedClientOptions(requestTimeoutMs = 3000): BoundedClientOptions {
  return { maxAttempts: 3, requestHandler: { connectionTimeout: 1000, requestTimeout: requestTimeoutMs } };
}

/**
 * The DynamoDB document client every function uses: bounded like {@link boundedClientOptions}, and optional
 * attributes that are `undefined` are left out of an item rather than rejected.
 */
export function createDocumentClient(
  options: BoundedClientOptions = boundedClientOptions(),
): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(options), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
