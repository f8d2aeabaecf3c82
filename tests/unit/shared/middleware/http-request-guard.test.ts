import type { Request } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { httpRequestGuard } from '../../../../lib/shared/middleware/http-request-guard';
import { HttpRequestError, MethodNotAllowedError } from '../../../../lib/shared/errors';
import { aFunctionUrlEvent, aLambdaContext } from '../../../builders/function-url-event';

function requestFor(event: APIGatewayProxyEventV2): Request<APIGatewayProxyEventV2, unknown, Error> {
  return { event, context: aLambdaContext(), response: undefined, error: null, internal: {} };
}

describe('httpRequestGuard', () => {
  const before = httpRequestGuard({ methods: ['POST'], maxBodyBytes: 10 }).before!;

  it('lets an allowed method with a small body through unchanged', async () => {
    const request = requestFor(aFunctionUrlEvent({ method: 'post', body: '{"a":1}' }));

    await before(request);

    expect(request.event).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });
  });

  it('decodes a base64 body in place', async () => {
    const request = requestFor(aFunctionUrlEvent({ body: 'héllo', base64: true }));

    await before(request);

    expect(request.event).toMatchObject({ body: 'héllo', isBase64Encoded: false });
  });

  it('refuses another method with a 405 naming the allowed ones', () => {
    const request = requestFor(aFunctionUrlEvent({ method: 'DELETE' }));

    expect(() => before(request)).toThrow(expect.objectContaining({ statusCode: 405, allow: ['POST'] }));
    expect(() => before(request)).toThrow(MethodNotAllowedError);
  });

  it.each([
    ['a text body', aFunctionUrlEvent({ body: '12345678901' })],
    ['a base64 body, measured decoded', aFunctionUrlEvent({ body: '12345678901', base64: true })],
    ['a multi-byte body, measured in bytes', aFunctionUrlEvent({ body: 'éééééé' })],
  ])('refuses %s over the limit with a 413', (_case, event) => {
    expect(() => before(requestFor(event))).toThrow(expect.objectContaining({ statusCode: 413 }));
    expect(() => before(requestFor(event))).toThrow(HttpRequestError);
  });

  it('accepts a body of exactly the limit', () => {
    expect(() => before(requestFor(aFunctionUrlEvent({ body: '1234567890' })))).not.toThrow();
  });
});
