import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpRequestError, MethodNotAllowedError } from '../errors';

export interface HttpRequestGuardOptions {
  /** Methods the endpoint serves (upper case); anything else is a 405. */
  readonly methods: readonly string[];
  /** Largest accepted body, in bytes after base64 decoding; anything larger is a 413. */
  readonly maxBodyBytes: number;
}

/**
 * Refuses requests that are wrong in shape before any secret is read or any signature computed: a method
 * other than those allowed (405) or a body over the limit (413). A base64 body (Function URLs encode
 * anything that is not text) is decoded in place, so everything after this middleware sees the raw body
 * exactly as the sender signed it, with `isBase64Encoded` false.
 *
 * @example
 * middy().use(httpRequestGuard({ methods: ['POST'], maxBodyBytes: 256 * 1024 }))
 */
export function httpRequestGuard(
  options: HttpRequestGuardOptions,
): MiddlewareObj<APIGatewayProxyEventV2, unknown, Error> {
  const httpRequestGuardBefore = (request: Request<APIGatewayProxyEventV2, unknown, Error>): void => {
    const { event } = request;
    const method = event.requestContext?.http?.method?.toUpperCase() ?? '';
    if (!options.methods.includes(method)) throw new MethodNotAllowedError(options.methods);

    const raw = event.body ?? '';
    const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : undefined;
    const size = bytes ? bytes.length : Buffer.byteLength(raw, 'utf8');
    if (size > options.maxBodyBytes) {
      throw new HttpRequestError(413, `Request body larger than ${options.maxBodyBytes} bytes`);
    }
    if (bytes) {
      event.body = bytes.toString('utf8');
      event.isBase64Encoded = false;
    }
  };

  return { before: httpRequestGuardBefore };
}
