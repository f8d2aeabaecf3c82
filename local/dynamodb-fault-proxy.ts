import { crc32 } from 'node:zlib';
import { jsonProtocolError, type HttpAnswer } from './aws-error-responses';
import type { FaultInjector } from './fault-injector';
import { startServiceProxy, type Interceptor, type ServiceProxy } from './service-proxy';

/**
 * `dynamodb-throttle=<share>`: a proxy in front of dynalite that answers that share of requests the way
 * DynamoDB throttles (HTTP 400, JSON 1.0 protocol, `ThrottlingException`), before dynalite sees them, so a
 * throttled write changes nothing. The AWS SDK retries a throttling error itself (the functions' clients
 * make three attempts), so a share of 1 reaches the handler as `ThrottlingException` after its retries.
 */

export const DYNAMODB_THROTTLING = {
  status: 400,
  type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
  message: 'Rate of requests exceeds the allowed throughput.',
} as const;

/** DynamoDB's throttling answer, with the `x-amz-crc32` of its body as DynamoDB sends on every answer. */
export function dynamoDbThrottlingAnswer(): HttpAnswer {
  const answer = jsonProtocolError(DYNAMODB_THROTTLING);
  return { ...answer, headers: { ...answer.headers, 'x-amz-crc32': String(crc32(answer.body)) } };
}

/** The operation a DynamoDB request names (`X-Amz-Target: DynamoDB_20120810.PutItem`). */
export function dynamoDbOperation(target: string | string[] | undefined): string {
  return String(target ?? '').replace(/^DynamoDB_\d+\./, '') || 'unknown';
}

export function dynamoDbFaults(injector: FaultInjector): Interceptor {
  return (request) => {
    const operation = dynamoDbOperation(request.headers['x-amz-target']);
    return injector.strikes(
      'dynamodb-throttle',
      operation,
      `ThrottlingException (400) to DynamoDB ${operation}`,
    )
      ? dynamoDbThrottlingAnswer()
      : undefined;
  };
}

export function startDynamoDbFaultProxy(options: {
  readonly target: string;
  readonly injector: FaultInjector;
  readonly port?: number;
}): Promise<ServiceProxy> {
  return startServiceProxy({
    target: options.target,
    intercept: dynamoDbFaults(options.injector),
    port: options.port,
  });
}
