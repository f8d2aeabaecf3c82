import type { ServerResponse } from 'node:http';
import { sendJson } from './http-server';

/** How the simulated Sinch answers errors, in the two forms Sinch uses. */

/** An error of the Conversation API, answered in Sinch's wrapped form. */
export class SinchApiError extends Error {
  constructor(
    readonly httpStatus: number,
    /** Sinch's status name, e.g. `INVALID_ARGUMENT`, `UNAUTHENTICATED`. */
    readonly status: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Sinch's documented error form: `{"error": {code, message, status, details}}` (docs/sinch.md#send-errors). */
export function sendSinchError(res: ServerResponse, error: SinchApiError): void {
  sendJson(
    res,
    error.httpStatus,
    { error: { code: error.httpStatus, message: error.message, status: error.status, details: [] } },
    error.headers,
  );
}

/** The token service answers auth errors in RFC 7807 form (docs/sinch.md#access-token). */
export function sendProblem(res: ServerResponse, status: number, title: string, detail: string): void {
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(
    JSON.stringify({
      type: `https://developers.sinch.com/docs/errors/registry/${title.toLowerCase().replace(/\s+/g, '-')}`,
      title,
      status,
      detail,
    }),
  );
}
