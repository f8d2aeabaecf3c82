import { jsonProtocolError, type HttpAnswer } from './aws-error-responses';
import type { FaultInjector } from './fault-injector';
import { startServiceProxy, type Interceptor, type ProxiedRequest, type ServiceProxy } from './service-proxy';
import {
  QUEUE_ACTIONS,
  SQS_QUERY_ACTIONS,
  jsonToQueryXml,
  queryErrorFromJson,
  queryToJson,
  sqsQueryError,
} from './sqs-query-protocol';

/**
 * The local SQS endpoint: a proxy in front of fauxqs that
 *
 * - passes the AWS JSON protocol (the SDK v3, `X-Amz-Target: AmazonSQS.<Action>`) through unchanged;
 * - answers the older Query protocol (form-encoded POSTs, or GETs, with `Action=…`), translated to JSON
 *   for fauxqs and back to XML (`sqs-query-protocol.ts`), also when POSTed to a queue's own path;
 * - injects `sqs-outage=<seconds>`: SendMessage and SendMessageBatch answer HTTP 500 `InternalError` (in
 *   the protocol of the request) while the outage lasts; nothing reaches the queue.
 */

export const SQS_INTERNAL_ERROR = {
  status: 500,
  type: 'com.amazonaws.sqs#InternalError',
  message: 'We encountered an internal error. Please try again.',
  /** What query-compatible SQS sends in `x-amzn-query-error`; the SDK v3 takes the error code from it. */
  queryError: 'InternalError;Receiver',
} as const;

/** The sends an SQS outage fails. */
const OUTAGE_ACTIONS = new Set(['SendMessage', 'SendMessageBatch']);

const QUEUE_PATH = /^\/(\d{12})\/([^/?]+)/;

export function sqsInternalErrorJson(): HttpAnswer {
  return jsonProtocolError({
    status: SQS_INTERNAL_ERROR.status,
    type: SQS_INTERNAL_ERROR.type,
    message: SQS_INTERNAL_ERROR.message,
    headers: { 'x-amzn-query-error': SQS_INTERNAL_ERROR.queryError },
  });
}

export function sqsInternalErrorQuery(): HttpAnswer {
  return sqsQueryError(SQS_INTERNAL_ERROR.status, 'InternalError', SQS_INTERNAL_ERROR.message);
}

/** The Query parameters of a request, if it is a Query-protocol request at all. */
function queryParameters(request: ProxiedRequest): URLSearchParams | undefined {
  const type = String(request.headers['content-type'] ?? '');
  if (request.method === 'POST' && type.startsWith('application/x-www-form-urlencoded')) {
    return new URLSearchParams(request.body.toString('utf8'));
  }
  if (request.method === 'GET') {
    const query = new URL(request.url, 'http://localhost').searchParams;
    if (query.has('Action')) return query;
  }
  return undefined;
}

function parseJson(body: Buffer): Record<string, unknown> {
  const textBody = body.toString('utf8');
  if (textBody === '') return {};
  const parsed: unknown = JSON.parse(textBody);
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}

export function sqsFront(options: { readonly injector?: FaultInjector } = {}): Interceptor {
  const outage = (action: string): boolean =>
    OUTAGE_ACTIONS.has(action) &&
    (options.injector?.refuses('sqs-outage', `InternalError (500) to SQS ${action}`) ?? false);

  return async (request, upstream) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    if (target.startsWith('AmazonSQS.')) {
      return outage(target.slice('AmazonSQS.'.length)) ? sqsInternalErrorJson() : undefined;
    }
    const form = queryParameters(request);
    if (!form) return undefined;
    const action = form.get('Action');
    if (!action) return sqsQueryError(400, 'MissingAction', 'The request must contain the parameter Action.');
    // Not SQS: fauxqs's SNS and STS parts speak the Query protocol themselves.
    if (!SQS_QUERY_ACTIONS.has(action)) return undefined;
    if (outage(action)) return sqsInternalErrorQuery();

    const translated = queryToJson(form);
    const forward = (jsonAction: string, body: Record<string, unknown>) =>
      upstream.send({
        method: 'POST',
        url: '/',
        headers: {
          ...request.headers,
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `AmazonSQS.${jsonAction}`,
        },
        body: Buffer.from(JSON.stringify(body)),
      });

    // A Query request may be POSTed to the queue's URL instead of naming it in QueueUrl.
    const path = QUEUE_PATH.exec(new URL(request.url, 'http://localhost').pathname);
    if (QUEUE_ACTIONS.has(action) && translated.body.QueueUrl === undefined && path) {
      const found = await forward('GetQueueUrl', {
        QueueName: decodeURIComponent(path[2]!),
        QueueOwnerAWSAccountId: path[1],
      });
      const answer = parseJson(found.body);
      if (found.status >= 400) {
        return queryErrorFromJson(
          found.status,
          found.headers['x-amzn-query-error'] as string | undefined,
          answer,
        );
      }
      translated.body.QueueUrl = answer.QueueUrl;
    }

    const answer = await forward(action, translated.body);
    const body = parseJson(answer.body);
    if (answer.status >= 400) {
      return queryErrorFromJson(
        answer.status,
        answer.headers['x-amzn-query-error'] as string | undefined,
        body,
      );
    }
    return jsonToQueryXml(action, body);
  };
}

export function startSqsFront(options: {
  /** fauxqs, `http://127.0.0.1:<port>`. */
  readonly target: string;
  readonly injector?: FaultInjector;
  readonly port?: number;
}): Promise<ServiceProxy> {
  return startServiceProxy({ target: options.target, intercept: sqsFront(options), port: options.port });
}
