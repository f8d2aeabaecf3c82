import { awsRequestId, escapeXml, queryProtocolError, type HttpAnswer } from './aws-error-responses';

/**
 * SQS's older AWS Query protocol (form-encoded `Action=…&Version=2012-11-05`, XML answers), which the AWS
 * CLI v2 before 2.13 and older SDKs speak, translated to and from the AWS JSON 1.0 protocol that fauxqs
 * (and the SDK v3 the functions use) speaks. fauxqs 1.9.2 sends form-encoded POSTs to its SNS emulator, so
 * without this a Query-protocol SQS client gets SNS's `InvalidAction`.
 *
 * - {@link queryToJson}: the Query parameters of one request → the JSON action and body;
 * - {@link jsonToQueryXml}: fauxqs's JSON answer → the Query XML answer (`<ActionResponse><ActionResult>…`);
 * - {@link queryErrorFromJson}: a JSON error → `<ErrorResponse><Error><Type/><Code/>…`, with the Query error
 *   code SQS uses (`AWS.SimpleQueueService.NonExistentQueue`), taken from `x-amzn-query-error`.
 */

export const SQS_XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/';

/** The actions translated; any other form-encoded request goes on to fauxqs (its SNS or STS parts). */
export const SQS_QUERY_ACTIONS: ReadonlySet<string> = new Set([
  'CreateQueue',
  'DeleteQueue',
  'GetQueueUrl',
  'ListQueues',
  'GetQueueAttributes',
  'SetQueueAttributes',
  'PurgeQueue',
  'SendMessage',
  'SendMessageBatch',
  'ReceiveMessage',
  'DeleteMessage',
  'DeleteMessageBatch',
  'ChangeMessageVisibility',
  'ChangeMessageVisibilityBatch',
  'ListQueueTags',
  'TagQueue',
  'UntagQueue',
]);

/** Actions that name a queue; a Query request may name it by the path it is POSTed to instead. */
export const QUEUE_ACTIONS: ReadonlySet<string> = new Set(
  [...SQS_QUERY_ACTIONS].filter((action) => !['CreateQueue', 'GetQueueUrl', 'ListQueues'].includes(action)),
);

/** Parameters whose value is an integer in the JSON protocol (strings on the Query wire). */
const INTEGER_PARAMETERS = new Set([
  'MaxResults',
  'MaxNumberOfMessages',
  'WaitTimeSeconds',
  'VisibilityTimeout',
  'DelaySeconds',
]);

type Tree = { [key: string]: Tree | string };

/** `A.1.B=x` → `{ A: { 1: { B: 'x' } } }` */
function nest(form: URLSearchParams): Tree {
  const root: Tree = {};
  for (const [key, value] of form) {
    const path = key.split('.');
    let node = root;
    for (const segment of path.slice(0, -1)) {
      const next = node[segment];
      node = typeof next === 'object' ? next : (node[segment] = {});
    }
    node[path[path.length - 1]!] = value;
  }
  return root;
}

/** The numbered members of a flattened list (`X.1`, `X.2`, …), in order. */
function members(node: Tree | string | undefined): (Tree | string)[] {
  if (typeof node !== 'object') return [];
  return Object.entries(node)
    .filter(([index]) => /^\d+$/.test(index))
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, value]) => value);
}

const text = (node: Tree | string | undefined): string | undefined =>
  typeof node === 'string' ? node : undefined;

function stringList(node: Tree | string | undefined): string[] | undefined {
  const values = members(node)
    .map(text)
    .filter((value): value is string => value !== undefined);
  return values.length > 0 ? values : undefined;
}

/** `Attribute.N.Name` / `Attribute.N.Value` (or `Tag.N.Key` / `Tag.N.Value`) → a map. */
function pairs(node: Tree | string | undefined, keyField: string): Record<string, string> | undefined {
  const map: Record<string, string> = {};
  for (const member of members(node)) {
    if (typeof member !== 'object') continue;
    const key = text(member[keyField]);
    if (key !== undefined) map[key] = text(member.Value) ?? '';
  }
  return Object.keys(map).length > 0 ? map : undefined;
}

function messageAttributes(
  node: Tree | string | undefined,
): Record<string, Record<string, string>> | undefined {
  const map: Record<string, Record<string, string>> = {};
  for (const member of members(node)) {
    if (typeof member !== 'object') continue;
    const name = text(member.Name);
    const value = member.Value;
    if (name === undefined || typeof value !== 'object') continue;
    const attribute: Record<string, string> = {};
    for (const field of ['DataType', 'StringValue', 'BinaryValue']) {
      const fieldValue = text(value[field]);
      if (fieldValue !== undefined) attribute[field] = fieldValue;
    }
    map[name] = attribute;
  }
  return Object.keys(map).length > 0 ? map : undefined;
}

/** The scalar parameters of a node, integers converted. */
function scalars(node: Tree, names: readonly string[]): Record<string, string | number> {
  const result: Record<string, string | number> = {};
  for (const name of names) {
    const value = text(node[name]);
    if (value === undefined) continue;
    result[name] = INTEGER_PARAMETERS.has(name) && /^-?\d+$/.test(value) ? Number(value) : value;
  }
  return result;
}

function withoutUndefined(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

function batchEntries(node: Tree | string | undefined, fields: readonly string[]): Record<string, unknown>[] {
  return members(node)
    .filter((member): member is Tree => typeof member === 'object')
    .map((member) =>
      withoutUndefined({
        ...scalars(member, fields),
        MessageAttributes: messageAttributes(member.MessageAttribute),
      }),
    );
}

/** The JSON request body for a Query request (`Action` and `Version` dropped). */
export function queryToJson(form: URLSearchParams): { action: string; body: Record<string, unknown> } {
  const action = form.get('Action') ?? '';
  const tree = nest(form);
  const common = scalars(tree, [
    'QueueUrl',
    'QueueName',
    'QueueOwnerAWSAccountId',
    'QueueNamePrefix',
    'MaxResults',
    'NextToken',
    'MessageBody',
    'DelaySeconds',
    'MessageDeduplicationId',
    'MessageGroupId',
    'ReceiptHandle',
    'VisibilityTimeout',
    'MaxNumberOfMessages',
    'WaitTimeSeconds',
    'ReceiveRequestAttemptId',
  ]);
  const body: Record<string, unknown> = { ...common };
  switch (action) {
    case 'CreateQueue':
      Object.assign(
        body,
        withoutUndefined({ Attributes: pairs(tree.Attribute, 'Name'), tags: pairs(tree.Tag, 'Key') }),
      );
      break;
    case 'SetQueueAttributes':
      Object.assign(body, withoutUndefined({ Attributes: pairs(tree.Attribute, 'Name') }));
      break;
    case 'GetQueueAttributes':
      Object.assign(body, withoutUndefined({ AttributeNames: stringList(tree.AttributeName) }));
      break;
    case 'SendMessage':
      Object.assign(body, withoutUndefined({ MessageAttributes: messageAttributes(tree.MessageAttribute) }));
      break;
    case 'SendMessageBatch':
      body.Entries = batchEntries(tree.SendMessageBatchRequestEntry, [
        'Id',
        'MessageBody',
        'DelaySeconds',
        'MessageDeduplicationId',
        'MessageGroupId',
      ]);
      break;
    case 'ReceiveMessage':
      Object.assign(
        body,
        withoutUndefined({
          AttributeNames: stringList(tree.AttributeName),
          MessageSystemAttributeNames: stringList(tree.MessageSystemAttributeName),
          MessageAttributeNames: stringList(tree.MessageAttributeName),
        }),
      );
      break;
    case 'DeleteMessageBatch':
      body.Entries = batchEntries(tree.DeleteMessageBatchRequestEntry, ['Id', 'ReceiptHandle']);
      break;
    case 'ChangeMessageVisibilityBatch':
      body.Entries = batchEntries(tree.ChangeMessageVisibilityBatchRequestEntry, [
        'Id',
        'ReceiptHandle',
        'VisibilityTimeout',
      ]);
      break;
    case 'TagQueue':
      Object.assign(body, withoutUndefined({ Tags: pairs(tree.Tag, 'Key') }));
      break;
    case 'UntagQueue':
      Object.assign(body, withoutUndefined({ TagKeys: stringList(tree.TagKey) }));
      break;
  }
  return { action, body };
}

/** Actions whose Query answer has no `<…Result>` element. */
const NO_RESULT_ACTIONS = new Set([
  'DeleteQueue',
  'SetQueueAttributes',
  'PurgeQueue',
  'DeleteMessage',
  'ChangeMessageVisibility',
  'TagQueue',
  'UntagQueue',
]);

/** Element names of list members in the Query answers. */
const MEMBER_NAMES: Record<string, string> = {
  QueueUrls: 'QueueUrl',
  Messages: 'Message',
  Failed: 'BatchResultErrorEntry',
};

/** Renders one JSON value as Query XML elements named `name`. */
function render(name: string, value: unknown, action: string): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    const member = name === 'Successful' ? `${action}ResultEntry` : (MEMBER_NAMES[name] ?? name);
    return value.map((item) => render(member, item, action)).join('');
  }
  if (typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (name === 'Attributes') {
      return Object.entries(object)
        .map(
          ([key, v]) =>
            `<Attribute><Name>${escapeXml(key)}</Name><Value>${escapeXml(String(v))}</Value></Attribute>`,
        )
        .join('');
    }
    if (name === 'Tags') {
      return Object.entries(object)
        .map(([key, v]) => `<Tag><Key>${escapeXml(key)}</Key><Value>${escapeXml(String(v))}</Value></Tag>`)
        .join('');
    }
    if (name === 'MessageAttributes') {
      return Object.entries(object)
        .map(
          ([key, v]) =>
            `<MessageAttribute><Name>${escapeXml(key)}</Name>${render('Value', v, action)}</MessageAttribute>`,
        )
        .join('');
    }
    const inner = Object.entries(object)
      .map(([key, v]) => render(key, v, action))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** The Query XML answer for a JSON result. */
export function jsonToQueryXml(action: string, result: Record<string, unknown>): HttpAnswer {
  const requestId = awsRequestId();
  const inner = Object.entries(result)
    .map(([key, value]) => render(key, value, action))
    .join('');
  // Actions without a result (DeleteMessage, PurgeQueue …) answer with the response metadata only.
  const resultElement = NO_RESULT_ACTIONS.has(action) ? '' : `<${action}Result>${inner}</${action}Result>`;
  return {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body:
      `<?xml version="1.0"?><${action}Response xmlns="${SQS_XMLNS}">${resultElement}` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  };
}

/**
 * A JSON-protocol error from fauxqs as a Query error. The Query code comes from `x-amzn-query-error`
 * (`AWS.SimpleQueueService.NonExistentQueue;Sender`), else from `__type` after the `#`.
 */
export function queryErrorFromJson(
  status: number,
  queryErrorHeader: string | undefined,
  body: { __type?: unknown; message?: unknown },
): HttpAnswer {
  const [headerCode, headerType] = (queryErrorHeader ?? '').split(';');
  const code =
    headerCode ||
    String(body.__type ?? 'InternalError')
      .split('#')
      .pop()!;
  const type =
    headerType === 'Sender' || headerType === 'Receiver' ? headerType : status >= 500 ? 'Receiver' : 'Sender';
  return queryProtocolError({
    status,
    type,
    code,
    message: typeof body.message === 'string' ? body.message : '',
    xmlns: SQS_XMLNS,
  });
}

/** A Query error of the front's own (a missing or unknown action, a queue path that names nothing). */
export function sqsQueryError(status: number, code: string, message: string): HttpAnswer {
  return queryProtocolError({
    status,
    type: status >= 500 ? 'Receiver' : 'Sender',
    code,
    message,
    xmlns: SQS_XMLNS,
  });
}
