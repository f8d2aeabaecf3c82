import { headerValue, normaliseHeaders } from '../../../lib/shared/http-headers';

describe('normaliseHeaders', () => {
  it('lower-cases header names, as API Gateway REST APIs keep the caller’s case', () => {
    const headers = normaliseHeaders({ 'X-Sinch-Webhook-Nonce': 'n', 'Content-Type': 'application/json' });

    expect(headers).toEqual({ 'x-sinch-webhook-nonce': 'n', 'content-type': 'application/json' });
  });

  it('takes the first element of an array value', () => {
    expect(normaliseHeaders({ 'x-sinch-webhook-signature': ['first=', 'second='] })).toEqual({
      'x-sinch-webhook-signature': 'first=',
    });
  });

  it('drops missing values and empty arrays', () => {
    expect(normaliseHeaders({ a: undefined, b: null, c: [], d: 'kept' })).toEqual({ d: 'kept' });
  });

  it('keeps the first of two names that differ only in case', () => {
    expect(
      normaliseHeaders({ 'X-Sinch-Webhook-Signature': 'first=', 'x-sinch-webhook-signature': 'second=' }),
    ).toEqual({ 'x-sinch-webhook-signature': 'first=' });
  });

  it('returns an empty map for absent headers', () => {
    expect(normaliseHeaders(undefined)).toEqual({});
    expect(normaliseHeaders(null)).toEqual({});
  });

  it('treats a header named __proto__ as an ordinary header when it copies', () => {
    const headers = normaliseHeaders(JSON.parse('{"__proto__": "x", "A": "b"}') as Record<string, string>);

    expect(headers['__proto__']).toBe('x');
    expect(headers['a']).toBe('b');
    expect(Object.getPrototypeOf(headers)).toBeNull();
  });

  it('returns headers that are already lower-case and single-valued as they are, without a copy', () => {
    const functionUrlHeaders = { 'x-sinch-webhook-signature': 'abc=', host: 'example.lambda-url.on.aws' };

    expect(normaliseHeaders(functionUrlHeaders)).toBe(functionUrlHeaders);
  });
});

describe('headerValue', () => {
  it('reads a lower-case header as Function URLs deliver it', () => {
    expect(headerValue({ 'x-sinch-webhook-nonce': 'n' }, 'x-sinch-webhook-nonce')).toBe('n');
  });

  it('finds a header in any case', () => {
    expect(headerValue({ 'X-Sinch-Webhook-Nonce': 'n' }, 'x-sinch-webhook-nonce')).toBe('n');
    expect(headerValue({ 'X-SINCH-WEBHOOK-NONCE': 'n' }, 'x-sinch-webhook-nonce')).toBe('n');
  });

  it('takes the first element of an array value, in any case', () => {
    expect(headerValue({ 'x-a': ['first', 'second'] }, 'x-a')).toBe('first');
    expect(headerValue({ 'X-A': ['first', 'second'] }, 'x-a')).toBe('first');
  });

  it('prefers the lower-case spelling when both exist', () => {
    expect(headerValue({ 'X-A': 'shouted', 'x-a': 'lower' }, 'x-a')).toBe('lower');
  });

  it('falls back to another spelling when the lower-case one holds nothing usable', () => {
    expect(headerValue({ 'x-a': [], 'X-A': 'value' }, 'x-a')).toBe('value');
  });

  it.each([[undefined], [null], [{}], [{ 'x-b': 'other' }], [{ 'x-a': null }], [{ 'x-a': [] }]])(
    'answers undefined when the header is absent: %p',
    (headers) => {
      expect(headerValue(headers, 'x-a')).toBeUndefined();
    },
  );

  it('never reads inherited properties', () => {
    expect(headerValue({}, 'constructor')).toBeUndefined();
    expect(headerValue({}, 'tostring')).toBeUndefined();
  });
});
