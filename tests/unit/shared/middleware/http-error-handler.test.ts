import type { Request } from '@middy/core';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { httpErrorHandler } from '../../../../lib/shared/middleware/http-error-handler';
import {
  ConfigError,
  HttpRequestError,
  MethodNotAllowedError,
  QueueUnavailableError,
  WebhookVerificationError,
} from '../../../../lib/shared/errors';
import { aLambdaContext } from '../../../builders/function-url-event';

type Result = APIGatewayProxyStructuredResultV2 | undefined;

function setup() {
  const logger = { warn: jest.fn(), error: jest.fn() };
  const onError = httpErrorHandler({ logger }).onError!;
  const handle = async (error: Error, response?: APIGatewayProxyStructuredResultV2) => {
    const request: Request<unknown, Result, Error> = {
      event: {},
      context: aLambdaContext(),
      response,
      error,
      internal: {},
    };
    await onError(request);
    return request.response;
  };
  return { logger, handle };
}

describe('httpErrorHandler', () => {
  it('answers a verification failure with a generic 401 and logs the reason once, as a warning', async () => {
    const { logger, handle } = setup();

    const response = await handle(new WebhookVerificationError('signature_mismatch'));

    expect(response).toEqual({
      statusCode: 401,
      headers: { 'content-type': 'application/json' },
      body: '{"error":"Unauthorized"}',
    });
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith('Request refused', {
      statusCode: 401,
      errorName: 'WebhookVerificationError',
      reason: 'signature_mismatch',
    });
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('returns the message of an exposed error', async () => {
    const { handle } = setup();

    const response = await handle(new HttpRequestError(413, 'Request body larger than 10 bytes'));

    expect(response).toMatchObject({
      statusCode: 413,
      body: '{"error":"Request body larger than 10 bytes"}',
    });
  });

  it('adds the Allow header to a 405', async () => {
    const { handle } = setup();

    const response = await handle(new MethodNotAllowedError(['POST']));

    expect(response).toMatchObject({ statusCode: 405, headers: { allow: 'POST' } });
  });

  it.each([
    ['an unexpected error', new TypeError('Cannot read properties of undefined (reading "x")')],
    [
      'a queue failure',
      new QueueUnavailableError('Could not send', { cause: new Error('boom at 10.0.0.1') }),
    ],
    ['a configuration error', new ConfigError('The webhook secrets parameter holds no secret')],
  ])('answers %s with a generic 500 and logs it as an error', async (_case, error) => {
    const { logger, handle } = setup();

    const response = await handle(error);

    expect(response).toEqual({
      statusCode: 500,
      headers: { 'content-type': 'application/json' },
      body: '{"error":"Internal Server Error"}',
    });
    expect(logger.error).toHaveBeenCalledWith('Request failed', { statusCode: 500, error });
  });

  it('leaves a response another middleware already set', async () => {
    const { logger, handle } = setup();
    const earlier = { statusCode: 204 };

    expect(await handle(new Error('x'), earlier)).toBe(earlier);
    expect(logger.error).not.toHaveBeenCalled();
  });
});
