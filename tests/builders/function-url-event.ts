import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/**
 * Lambda Function URL events (payload format 2.0) as AWS delivers them: lower-case header names, the raw
 * body as a string, base64 when the body is not text, and the method under `requestContext.http`.
 */
export interface FunctionUrlEventOptions {
  readonly method?: string;
  readonly path?: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** Send `body` base64-encoded, as Function URLs do for non-text content types. */
  readonly base64?: boolean;
}

/** A Function URL event carrying `options.body` (encoded when `base64` is set). */
export function aFunctionUrlEvent(options: FunctionUrlEventOptions = {}): APIGatewayProxyEventV2 {
  const method = options.method ?? 'POST';
  const path = options.path ?? '/';
  const body = options.body;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: {
      host: 'abcdefghijklmnop.lambda-url.us-east-1.on.aws',
      'user-agent': 'Sinch-Webhooks',
      'x-forwarded-proto': 'https',
      ...options.headers,
    },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghijklmnop',
      domainName: 'abcdefghijklmnop.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abcdefghijklmnop',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.10', userAgent: 'Sinch-Webhooks' },
      requestId: 'c0ffee00-0000-4000-8000-000000000000',
      routeKey: '$default',
      stage: '$default',
      time: '02/Mar/2026:10:15:35 +0000',
      timeEpoch: 1772446535000,
    },
    isBase64Encoded: options.base64 === true,
    ...(body === undefined
      ? {}
      : { body: options.base64 === true ? Buffer.from(body, 'utf8').toString('base64') : body }),
  };
}

/** A Lambda context with a generous remaining time, for invoking handlers in tests. */
export function aLambdaContext(overrides: Partial<Context> = {}): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'receipt-driven-sms-test-ingress',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:receipt-driven-sms-test-ingress',
    memoryLimitInMB: '256',
    awsRequestId: 'c0ffee00-0000-4000-8000-000000000001',
    logGroupName: '/aws/lambda/receipt-driven-sms-test-ingress',
    logStreamName: '2026/03/02/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
    ...overrides,
  };
}
