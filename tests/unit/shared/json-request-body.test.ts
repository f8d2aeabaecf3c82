import { HttpRequestError } from '../../../lib/shared/errors';
import { parseJsonRequestBody } from '../../../lib/shared/json-request-body';

describe('parseJsonRequestBody', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON ;charset=UTF-8'])(
    'parses a body sent as %s',
    (contentType) => {
      expect(parseJsonRequestBody({ headers: { 'content-type': contentType }, body: '{"a":[1]}' })).toEqual({
        a: [1],
      });
    },
  );

  it.each([
    ['no content type', undefined],
    ['a form post', 'application/x-www-form-urlencoded'],
    ['plain text', 'text/plain'],
    ['a JSON look-alike', 'application/jsonp'],
  ])('refuses %s with 415', (_label, contentType) => {
    expect(() => parseJsonRequestBody({ headers: { 'content-type': contentType }, body: '{}' })).toThrow(
      expect.objectContaining({ statusCode: 415, message: 'Content-Type must be application/json' }),
    );
  });

  it.each([
    ['a missing body', undefined, 'Request body is empty'],
    ['a blank body', '  \n', 'Request body is empty'],
    ['malformed JSON', '{"to": ', 'Request body is not valid JSON'],
  ])('refuses %s with 400', (_label, body, message) => {
    const parse = () => parseJsonRequestBody({ headers: { 'content-type': 'application/json' }, body });

    expect(parse).toThrow(HttpRequestError);
    expect(parse).toThrow(expect.objectContaining({ statusCode: 400, message, expose: true }));
  });
});
