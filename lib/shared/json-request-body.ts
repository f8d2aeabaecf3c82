import { HttpRequestError } from './errors';
import type { NormalisedHeaders } from './http-headers';

/**
 * Reads a JSON request body. The content type is checked before parsing, so a form post or a plain-text
 * body gets a precise 415 instead of a confusing parse error, and a malformed body a 400 that says so.
 */

/** `application/json`, with or without parameters such as `charset=utf-8`. */
function isJsonContentType(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/json';
}

/**
 * Parses the body of a JSON request.
 *
 * @param request.headers - lower-case header names (see `normaliseHeaders`)
 * @param request.body - the body as text (a base64 body must be decoded first)
 * @throws {HttpRequestError} 415 when the content type is not `application/json`, 400 when the body is
 *   empty or not valid JSON
 *
 * @example
 * const body = parseJsonRequestBody({ headers: normaliseHeaders(event.headers), body: event.body });
 */
export function parseJsonRequestBody(request: {
  readonly headers: NormalisedHeaders;
  readonly body: string | undefined;
}): unknown {
  if (!isJsonContentType(request.headers['content-type'])) {
    throw new HttpRequestError(415, 'Content-Type must be application/json');
  }
  if (!request.body?.trim()) throw new HttpRequestError(400, 'Request body is empty');
  try {
    return JSON.parse(request.body) as unknown;
  } catch {
    throw new HttpRequestError(400, 'Request body is not valid JSON');
  }
}
