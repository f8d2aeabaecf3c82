import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, readBody } from '../local/http-server';

/**
 * A stand-in on 127.0.0.1 for every AWS call the functions' first invocations make, for cold-start
 * measurements: each function runs in a fresh process and reaches it through `AWS_ENDPOINT_URL_<SERVICE>`
 * (all set to {@link AwsAnswers.endpoint}). Answers are canned, but in each service's own protocol, so the
 * SDK clients bundled in the functions parse them as they parse AWS's:
 *
 * - JSON protocols (`X-Amz-Target`): SSM `GetParameter`/`GetParameters`; SQS `SendMessage` (with the MD5 of
 *   the body, which the SDK checks unless `md5: false`); DynamoDB `GetItem`, `Query`, `PutItem`,
 *   `UpdateItem`, `TransactWriteItems`; Step Functions `StartExecution`, `SendTaskSuccess`,
 *   `SendTaskFailure`; EventBridge `PutEvents`.
 * - SES v1 (`@aws-sdk/client-ses`, the Query protocol: a form post answered in XML): `SendEmail`.
 *
 * Nothing is stored and no expression is evaluated. DynamoDB reads answer from a fixed set of items (GetItem
 * by key; Query by `PK = :pk` with an optional `begins_with(SK, :prefix)`; UpdateItem's `ReturnValues` from
 * the item as it is, or nothing when there is none), and every write succeeds. Any other operation, and a
 * parameter that is not there, is answered as AWS answers it (400), which fails the handler that asked.
 */
export interface AwsAnswers {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** The operations answered since the last call (`DynamoDB.GetItem`, `SES.SendEmail`…), in arrival order. */
  takeCalls(): string[];
  close(): Promise<void>;
}

export interface AwsAnswersOptions {
  /** SSM SecureStrings by name. */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Items of the table, as plain values (with `PK` and `SK`); `Set`s of strings become string sets. */
  readonly items?: readonly object[];
}

/** A DynamoDB attribute value in the JSON protocol's shape. */
export type AttributeValue =
  | { readonly S: string }
  | { readonly N: string }
  | { readonly BOOL: boolean }
  | { readonly NULL: true }
  | { readonly SS: string[] }
  | { readonly L: AttributeValue[] }
  | { readonly M: Record<string, AttributeValue> };

type Item = Record<string, AttributeValue>;

/** The plain value as DynamoDB's JSON protocol writes it. */
export function toAttributeValue(value: unknown): AttributeValue {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value === null) return { NULL: true };
  if (value instanceof Set) return { SS: [...(value as Set<unknown>)].map(String) };
  if (Array.isArray(value)) return { L: value.map(toAttributeValue) };
  if (typeof value === 'object') return { M: toItem(value) };
  throw new Error(`No DynamoDB attribute for a ${typeof value}`);
}

function toItem(values: object): Item {
  return Object.fromEntries(
    Object.entries(values as Record<string, unknown>)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [name, toAttributeValue(value)]),
  );
}

function text(attribute: AttributeValue | undefined): string | undefined {
  return attribute && 'S' in attribute ? attribute.S : undefined;
}

const keyOf = (key: Item): string => `${text(key.PK)}|${text(key.SK)}`;

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

type Input = Record<string, unknown>;

function dynamoDb(items: ReadonlyMap<string, Item>, operation: string, input: Input): unknown {
  switch (operation) {
    case 'GetItem': {
      const item = items.get(keyOf(input.Key as Item));
      return item ? { Item: item } : {};
    }
    case 'Query': {
      const condition = String(input.KeyConditionExpression ?? '');
      const values = (input.ExpressionAttributeValues ?? {}) as Item;
      const pk = /\bPK = (:\w+)/.exec(condition)?.[1];
      const prefix = /begins_with\(SK, (:\w+)\)/.exec(condition)?.[1];
      const found = [...items.values()]
        .filter((item) => pk !== undefined && text(item.PK) === text(values[pk]))
        .filter(
          (item) => prefix === undefined || (text(item.SK) ?? '').startsWith(text(values[prefix]) ?? ''),
        )
        .sort((a, b) => (text(a.SK) ?? '').localeCompare(text(b.SK) ?? ''));
      return { Items: found, Count: found.length, ScannedCount: found.length };
    }
    case 'UpdateItem': {
      const item = items.get(keyOf(input.Key as Item));
      const wanted = input.ReturnValues !== undefined && input.ReturnValues !== 'NONE';
      return wanted && item ? { Attributes: item } : {};
    }
    case 'PutItem':
    case 'TransactWriteItems':
      return {};
    default:
      throw new AwsError('UnknownOperationException', `DynamoDB ${operation} is not answered here`);
  }
}

function stepFunctions(operation: string, input: Input): unknown {
  switch (operation) {
    case 'StartExecution': {
      const executionArn = `${String(input.stateMachineArn).replace(':stateMachine:', ':execution:')}:${String(input.name)}`;
      return { executionArn, startDate: Date.now() / 1000 };
    }
    case 'SendTaskSuccess':
    case 'SendTaskFailure':
      return {};
    default:
      throw new AwsError('UnknownOperationException', `Step Functions ${operation} is not answered here`);
  }
}

function ssm(parameters: Readonly<Record<string, string>>, operation: string, input: Input): unknown {
  const stored = (name: string) => ({
    Name: name,
    Type: 'SecureString',
    Value: parameters[name],
    Version: 1,
    DataType: 'text',
    ARN: `arn:aws:ssm:us-east-1:123456789012:parameter${name}`,
  });
  if (operation === 'GetParameter') {
    const name = String(input.Name);
    if (!(name in parameters)) throw new AwsError('ParameterNotFound', `Parameter ${name} not found.`);
    return { Parameter: stored(name) };
  }
  if (operation === 'GetParameters') {
    const names = (input.Names ?? []) as string[];
    return {
      Parameters: names.filter((name) => name in parameters).map(stored),
      InvalidParameters: names.filter((name) => !(name in parameters)),
    };
  }
  throw new AwsError('UnknownOperationException', `SSM ${operation} is not answered here`);
}

function sqs(operation: string, input: Input): unknown {
  if (operation !== 'SendMessage') {
    throw new AwsError('UnknownOperationException', `SQS ${operation} is not answered here`);
  }
  return {
    MessageId: randomUUID(),
    MD5OfMessageBody: createHash('md5')
      .update(String(input.MessageBody ?? ''))
      .digest('hex'),
  };
}

function eventBridge(operation: string, input: Input): unknown {
  if (operation !== 'PutEvents') {
    throw new AwsError('UnknownOperationException', `EventBridge ${operation} is not answered here`);
  }
  const entries = (input.Entries ?? []) as unknown[];
  return { Entries: entries.map(() => ({ EventId: randomUUID() })), FailedEntryCount: 0 };
}

/** The services of the JSON protocols, by the prefix of their `X-Amz-Target`. */
const JSON_SERVICES: Record<string, string> = {
  DynamoDB_20120810: 'DynamoDB',
  AWSStepFunctions: 'SFN',
  AmazonSSM: 'SSM',
  AmazonSQS: 'SQS',
  AWSEvents: 'EventBridge',
};

/** SES's Query protocol: `Action=SendEmail&…` in, XML out. */
function ses(form: URLSearchParams): { status: number; xml: string } {
  const requestId = randomUUID();
  const action = form.get('Action') ?? '';
  if (action === 'SendEmail' && form.get('Source') && form.get('Destination.ToAddresses.member.1')) {
    const messageId = `0100018f${randomUUID().replace(/-/g, '')}-000000`;
    return {
      status: 200,
      xml:
        '<SendEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">' +
        `<SendEmailResult><MessageId>${messageId}</MessageId></SendEmailResult>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></SendEmailResponse>`,
    };
  }
  return {
    status: 400,
    xml:
      '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type>' +
      `<Code>InvalidAction</Code><Message>SES ${action} is not answered here</Message></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

export async function startAwsAnswers(options: AwsAnswersOptions = {}): Promise<AwsAnswers> {
  const parameters = options.parameters ?? {};
  const items = new Map(
    (options.items ?? []).map((values) => toItem(values)).map((item) => [keyOf(item), item]),
  );
  let calls: string[] = [];

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = (await readBody(req)).toString('utf8');
    const requestId = randomUUID();
    const target = String(req.headers['x-amz-target'] ?? '');
    if (!target) {
      const form = new URLSearchParams(body);
      calls.push(`SES.${form.get('Action') ?? ''}`);
      const { status, xml } = ses(form);
      res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(xml);
      return;
    }
    const [prefix = '', operation = ''] = target.split('.');
    const service = JSON_SERVICES[prefix] ?? prefix;
    calls.push(`${service}.${operation}`);
    const contentType = String(req.headers['content-type'] ?? 'application/x-amz-json-1.0');
    let status = 200;
    let result: unknown;
    try {
      const input = JSON.parse(body || '{}') as Input;
      if (service === 'DynamoDB') result = dynamoDb(items, operation, input);
      else if (service === 'SFN') result = stepFunctions(operation, input);
      else if (service === 'SSM') result = ssm(parameters, operation, input);
      else if (service === 'SQS') result = sqs(operation, input);
      else if (service === 'EventBridge') result = eventBridge(operation, input);
      else throw new AwsError('UnknownOperationException', `${target} is not answered here`);
    } catch (error) {
      status = 400;
      const type = error instanceof AwsError ? error.type : 'SerializationException';
      result = { __type: type, message: String((error as Error).message) };
    }
    res.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': requestId });
    res.end(JSON.stringify(result));
  };

  const server = await listen(answer);
  return {
    endpoint: server.url,
    takeCalls() {
      const taken = calls;
      calls = [];
      return taken;
    },
    close: server.stop,
  };
}
