import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listen, readBody, type RunningServer } from './http-server';
import type { FunctionRuntime } from './lambda-runtime';
import { LAMBDA_THROTTLE_ERROR_TYPE, throttleBody } from './lambda-throttling';

/**
 * A Lambda Function URL on 127.0.0.1: each HTTP request becomes a payload-format 2.0 event (raw body, base64
 * for non-text content, lower-case headers, `requestContext.http`), and the handler's result becomes the
 * HTTP response, with Lambda's rules for results that are not a `{ statusCode }` object.
 *
 * `AWS_IAM` URLs require a SigV4 `Authorization` header and fill `requestContext.authorizer.iam` from its
 * credential scope, but the signature itself is NOT verified locally.
 *
 * A throttled invocation (`lambda-throttling.ts`) answers 429 with Lambda's `TooManyRequestsException` body.
 * While `refuseConnection` says so (the `webhook-outage` fault), every new connection is destroyed as soon
 * as it is accepted (a TCP reset): the caller's connection fails and no request reaches the function.
 */

/** Function URLs accept at most 6 MB of request payload. */
const MAX_REQUEST_BYTES = 6 * 1024 * 1024;

/** Content types Lambda passes as text; everything else (or none) arrives base64-encoded. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    /^application\/([\w.+-]+\+)?(json|xml|javascript|x-www-form-urlencoded|yaml)$/.test(type)
  );
}

function clfTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** The IAM caller named by a SigV4 `Authorization` header (`Credential=AKID/date/region/service/aws4_request`). */
function iamCaller(
  authorization: string | undefined,
  accountId: string,
): Record<string, unknown> | undefined {
  const match = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\//.exec(authorization ?? '');
  if (!match) return undefined;
  return {
    iam: {
      accessKey: match[1],
      accountId,
      callerId: `AROALOCAL:${match[1]}`,
      cognitoIdentity: null,
      principalOrgId: null,
      userArn: `arn:aws:sts::${accountId}:assumed-role/local-caller/${match[1]}`,
      userId: `AROALOCAL:${match[1]}`,
    },
  };
}

/** Builds the payload-format 2.0 event for one request. */
export function toFunctionUrlEvent(
  req: IncomingMessage,
  body: Buffer,
  options: { urlId: string; region: string; accountId: string; authType: 'NONE' | 'AWS_IAM' },
): Record<string, unknown> {
  // Split by hand: a Function URL passes any path to the function, and `new URL('//', base)` would read
  // a path such as `//` as a host and throw.
  const target = req.url ?? '/';
  const queryAt = target.indexOf('?');
  const rawPath = queryAt === -1 ? target : target.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? '' : target.slice(queryAt + 1);
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') {
      cookies = String(value).split(/;\s*/);
      continue;
    }
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString))
    query[key] = key in query ? `${query[key]},${value}` : value;
  const now = new Date();
  const sourceIp = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
  const text = isTextContentType(headers['content-type']);
  const domainName = `${options.urlId}.lambda-url.${options.region}.on.aws`;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers: { ...headers, host: domainName, 'x-forwarded-for': sourceIp, 'x-forwarded-proto': 'https' },
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: options.authType === 'AWS_IAM' ? options.accountId : 'anonymous',
      apiId: options.urlId,
      ...(options.authType === 'AWS_IAM'
        ? { authorizer: iamCaller(headers.authorization, options.accountId) }
        : {}),
      domainName,
      domainPrefix: options.urlId,
      http: {
        method: req.method ?? 'GET',
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !text,
  };
}

/** Writes a handler result as Lambda does for Function URLs. */
export function writeFunctionUrlResult(res: ServerResponse, payload: unknown): void {
  const structured =
    typeof payload === 'object' && payload !== null && 'statusCode' in payload
      ? (payload as {
          statusCode: number;
          headers?: Record<string, string>;
          cookies?: string[];
          body?: string;
          isBase64Encoded?: boolean;
        })
      : undefined;
  if (!structured) {
    // Any other JSON result is the body of a 200, as Lambda does for Function URLs.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
    return;
  }
  const headers: Record<string, string | string[]> = { ...structured.headers };
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
  res.writeHead(structured.statusCode, headers);
  const body = structured.body ?? '';
  res.end(structured.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

export interface FunctionUrl extends RunningServer {
  readonly authType: 'NONE' | 'AWS_IAM';
}

/** Serves one function behind a Function URL. */
export async function startFunctionUrl(
  runtime: FunctionRuntime,
  options: {
    authType: 'NONE' | 'AWS_IAM';
    region: string;
    accountId: string;
    port?: number;
    /** Asked for every new connection; true destroys it at once (an outage). */
    refuseConnection?: () => boolean;
  },
): Promise<FunctionUrl> {
  const urlId = `local${runtime.key.toLowerCase().replace(/[^a-z0-9]/g, '')}`;
  const server = await listen(async (req, res) => {
    const body = await readBody(req);
    if (body.length > MAX_REQUEST_BYTES) {
      res.writeHead(413, { 'content-type': 'application/json' }).end('{"Message":"Request Too Long"}');
      return;
    }
    if (options.authType === 'AWS_IAM' && !/^AWS4-HMAC-SHA256 /.test(req.headers.authorization ?? '')) {
      res.writeHead(403, { 'content-type': 'application/json' }).end('{"Message":"Forbidden"}');
      return;
    }
    const result = await runtime.invoke(toFunctionUrlEvent(req, body, { ...options, urlId }));
    if (!result.ok && result.throttled) {
      res
        .writeHead(429, {
          'content-type': 'application/json',
          'x-amzn-errortype': LAMBDA_THROTTLE_ERROR_TYPE,
          'x-amzn-requestid': result.requestId,
        })
        .end(JSON.stringify(throttleBody(result.throttled)));
      return;
    }
    if (!result.ok) {
      res.writeHead(502, { 'content-type': 'application/json' }).end('{"Message":"Internal Server Error"}');
      return;
    }
    writeFunctionUrlResult(res, result.payload);
  }, options.port);
  const { refuseConnection } = options;
  if (refuseConnection) {
    // Before the HTTP server sees the socket: nothing is read from a refused connection.
    server.server.prependListener('connection', (socket: Socket) => {
      if (refuseConnection()) socket.resetAndDestroy();
    });
  }
  return { ...server, authType: options.authType };
}
