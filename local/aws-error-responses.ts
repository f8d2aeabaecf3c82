import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/**
 * Error answers in the wire formats of the AWS protocols the functions' SDK clients speak, so an injected
 * fault is parsed by the real AWS SDK v3 exactly as the service's own error would be:
 *
 * - **AWS JSON 1.0** (DynamoDB, Step Functions, SQS): `{"__type": "<namespace>#<Code>", "message": …}`; the SDK
 *   takes the code after the last `#`. SQS, which is "query compatible", also sends `x-amzn-query-error:
 *   <Code>;<Sender|Receiver>`, from which the SDK takes the code first.
 * - **AWS Query** (SES v1, SQS's older protocol): `<ErrorResponse><Error><Type/><Code/><Message/></Error>
 *   <RequestId/></ErrorResponse>`.
 */

/** An HTTP answer a stand-in or proxy sends instead of (or translated from) the emulator's. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
}

/** A request id in the form AWS services use (a UUID). */
export function awsRequestId(): string {
  return randomUUID();
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** An AWS JSON 1.0 protocol error, e.g. DynamoDB's `com.amazonaws.dynamodb.v20120810#ThrottlingException`. */
export function jsonProtocolError(options: {
  readonly status: number;
  readonly type: string;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}): HttpAnswer {
  const requestId = awsRequestId();
  return {
    status: options.status,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': requestId,
      ...options.headers,
    },
    body: JSON.stringify({ __type: options.type, message: options.message }),
  };
}

/** An AWS Query protocol error (`Type` is `Sender` for the caller's fault, `Receiver` for the service's). */
export function queryProtocolError(options: {
  readonly status: number;
  readonly type: 'Sender' | 'Receiver';
  readonly code: string;
  readonly message: string;
  /** The service's XML namespace, e.g. `http://ses.amazonaws.com/doc/2010-12-01/`. */
  readonly xmlns: string;
}): HttpAnswer {
  const requestId = awsRequestId();
  return {
    status: options.status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body:
      `<ErrorResponse xmlns="${options.xmlns}"><Error><Type>${options.type}</Type>` +
      `<Code>${escapeXml(options.code)}</Code><Message>${escapeXml(options.message)}</Message></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

/** Writes an answer (with its length) to a response. */
export function writeAnswer(res: ServerResponse, answer: HttpAnswer): void {
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
  res.writeHead(answer.status, { ...answer.headers, 'content-length': String(body.length) });
  res.end(body);
}
