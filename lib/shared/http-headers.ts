/**
 * HTTP header names are case-insensitive, but the transports in front of a Lambda disagree on what they
 * deliver: Function URLs and API Gateway HTTP APIs lower-case names, API Gateway REST APIs keep the
 * caller's case, and multi-value shapes carry arrays. Read one header with {@link headerValue}, or
 * normalise the whole set once with {@link normaliseHeaders}.
 */

/** Header names in lower case, each with a single string value. */
export type NormalisedHeaders = Readonly<Record<string, string | undefined>>;

/** Any of the header shapes Lambda event sources produce. */
export type RawHeaders =
  Readonly<Record<string, string | readonly string[] | undefined | null>> | null | undefined;

/**
 * Lower-cases header names and reduces array values to their first element. When two names differ only
 * in case, the first one seen wins, so the result does not depend on which spelling a proxy chose last.
 *
 * @example
 * normaliseHeaders({ 'X-Sinch-Webhook-Signature': ['abc=', 'def='] }); // { 'x-sinch-webhook-signature': 'abc=' }
 */
export function normaliseHeaders(headers: RawHeaders): NormalisedHeaders {
  // Function URLs already deliver this shape: no copy on the hot path.
  if (headers && isNormalised(headers)) return headers as NormalisedHeaders;
  // No prototype: a header literally named `__proto__` must stay an ordinary entry.
  const result = Object.create(null) as Record<string, string>;
  if (!headers) return result;
  for (const [name, raw] of Object.entries(headers)) {
    const value = Array.isArray(raw) ? (raw as readonly string[])[0] : raw;
    if (typeof value !== 'string') continue;
    const key = name.toLowerCase();
    if (!Object.hasOwn(result, key)) result[key] = value;
  }
  return result;
}

function isNormalised(headers: NonNullable<RawHeaders>): boolean {
  for (const name in headers) {
    if (typeof headers[name] !== 'string') return false;
    for (let i = 0; i < name.length; i += 1) {
      const code = name.charCodeAt(i);
      if (code >= 65 && code <= 90) return false;
    }
  }
  return true;
}

function firstString(value: string | readonly string[] | undefined | null): string | undefined {
  if (typeof value === 'string') return value;
  return Array.isArray(value) && typeof value[0] === 'string' ? (value[0] as string) : undefined;
}

/**
 * Reads one header by its lower-case name, whatever case the transport delivered it in; an array value
 * gives its first element. The lower-case spelling is tried first (Function URLs deliver exactly that,
 * so the common case is a single property read); only a miss scans the other names. When two spellings
 * exist, the lower-case one wins.
 *
 * @example
 * headerValue({ 'X-Sinch-Webhook-Signature': ['abc=', 'def='] }, 'x-sinch-webhook-signature'); // 'abc='
 */
export function headerValue(headers: RawHeaders, name: string): string | undefined {
  if (!headers) return undefined;
  if (Object.hasOwn(headers, name)) {
    const direct = firstString(headers[name]);
    if (direct !== undefined) return direct;
  }
  for (const key in headers) {
    if (key !== name && Object.hasOwn(headers, key) && key.toLowerCase() === name) {
      const value = firstString(headers[key]);
      if (value !== undefined) return value;
    }
  }
  return undefined;
}
