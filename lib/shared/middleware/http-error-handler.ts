import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { AppLogger } from '../observability';
import { AppError, MethodNotAllowedError } from '../errors';

export interface HttpErrorHandlerOptions {
  readonly logger: Pick<AppLogger, 'warn' | 'error'>;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

function statusOf(error: unknown): number {
  return error instanceof AppError ? error.statusCode : 500;
}

// The one detail besides the name worth logging: why a webhook or receipt was refused.
function reasonOf(error: unknown): string | undefined {
  const reason = (error as { reason?: unknown } | undefined)?.reason;
  return typeof reason === 'string' ? reason : undefined;
}

/**
 * Turns any error into an HTTP response with a generic JSON body, and logs it exactly once. An
 * {@link AppError} keeps its status; its message is returned only when it is marked `expose`; anything
 * else is a 500 whose details stay in the log. The body is never `JSON.stringify(error)`, which would leak
 * stack traces and causes.
 *
 * Register it last: Middy runs `onError` in reverse order, so it answers first and the Powertools
 * middlewares registered before it still flush metrics and reset log keys.
 *
 * @example
 * middy(handler).use(injectLambdaContext(logger)).use(httpErrorHandler({ logger }))
 */
export function httpErrorHandler(
  options: HttpErrorHandlerOptions,
): MiddlewareObj<unknown, APIGatewayProxyStructuredResultV2 | undefined, Error> {
  const { logger } = options;

  const httpErrorHandlerOnError = (
    request: Request<unknown, APIGatewayProxyStructuredResultV2 | undefined, Error>,
  ): void => {
    if (request.response !== undefined) return;
    const { error } = request;
    const statusCode = statusOf(error);

    if (statusCode >= 500) {
      logger.error('Request failed', { statusCode, error });
    } else {
      logger.warn('Request refused', {
        statusCode,
        errorName: error instanceof Error ? error.name : 'Error',
        reason: reasonOf(error),
      });
    }

    const exposed = error instanceof AppError && error.expose;
    const message = exposed ? error.message : (STATUS_TEXT[statusCode] ?? 'Error');
    request.response = {
      statusCode,
      headers: {
        'content-type': 'application/json',
        ...(error instanceof MethodNotAllowedError ? { allow: error.allow.join(', ') } : {}),
      },
      body: JSON.stringify({ error: message }),
    };
  };

  return { onError: httpErrorHandlerOnError };
}
