import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSendQuotaCommand, SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import {
  DescribeExecutionCommand,
  SFNClient,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetParameterCommand, GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { startAwsAnswers, toAttributeValue, type AwsAnswers } from '../../../bench/aws-answers';
import { startSinchAnswers, type SinchAnswers } from '../../../bench/sinch-answers';
import { createSinchClient } from '../../../lib/workflow/sinch-client';

/**
 * The cold-start bench times the packaged functions against these stand-ins, so their answers must be ones
 * the real SDK clients (and the Sinch client) accept: each is checked here through the client itself.
 */

const TABLE = 'deliveries';
const META = { PK: 'D#d-1', SK: 'META', to: '+46701234567', attempts: 1, email: { to: 'a@example.com' } };
const ATTEMPT = { PK: 'D#d-1', SK: 'A#001', channel: 'SMS', receiptKeys: new Set(['k1']), receipts: [] };

describe('bench AWS answers', () => {
  let aws: AwsAnswers;
  const options = () => ({
    endpoint: aws.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

  beforeAll(async () => {
    aws = await startAwsAnswers({
      parameters: { '/p/secret': 's3cret' },
      items: [META, ATTEMPT, { PK: 'D#d-2', SK: 'META' }],
    });
  });
  afterAll(() => aws.close());
  afterEach(() => aws.takeCalls());

  it('writes plain values as DynamoDB attribute values', () => {
    expect(toAttributeValue({ s: 'a', n: 1.5, b: false, z: null, l: [1], ss: new Set(['x']) })).toEqual({
      M: {
        s: { S: 'a' },
        n: { N: '1.5' },
        b: { BOOL: false },
        z: { NULL: true },
        l: { L: [{ N: '1' }] },
        ss: { SS: ['x'] },
      },
    });
  });

  it('answers DynamoDB reads from its items and takes every write', async () => {
    // Arrange
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient(options()));
    const key = { PK: 'D#d-1', SK: 'A#001' };

    // Act
    const got = await documents.send(new GetCommand({ TableName: TABLE, Key: { PK: 'D#d-1', SK: 'META' } }));
    const missing = await documents.send(
      new GetCommand({ TableName: TABLE, Key: { PK: 'D#d-1', SK: 'A#009' } }),
    );
    const attempts = await documents.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': 'D#d-1', ':prefix': 'A#' },
      }),
    );
    const updated = await documents.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: key,
        UpdateExpression: 'SET a = :a',
        ExpressionAttributeValues: { ':a': 1 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const created = await documents.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { PK: 'D#d-3', SK: 'A#001' },
        UpdateExpression: 'SET a = :a',
        ExpressionAttributeValues: { ':a': 1 },
        ReturnValues: 'ALL_OLD',
      }),
    );
    await documents.send(new PutCommand({ TableName: TABLE, Item: { PK: 'D#d-4', SK: 'META' } }));
    await documents.send(
      new TransactWriteCommand({
        TransactItems: [{ Put: { TableName: TABLE, Item: { PK: 'D#d-5', SK: 'META' } } }],
      }),
    );

    // Assert
    expect(got.Item).toEqual(META);
    expect(missing.Item).toBeUndefined();
    expect(attempts.Items).toEqual([ATTEMPT]);
    expect(updated.Attributes).toEqual(ATTEMPT);
    expect(created.Attributes).toBeUndefined();
    expect(aws.takeCalls()).toEqual([
      'DynamoDB.GetItem',
      'DynamoDB.GetItem',
      'DynamoDB.Query',
      'DynamoDB.UpdateItem',
      'DynamoDB.UpdateItem',
      'DynamoDB.PutItem',
      'DynamoDB.TransactWriteItems',
    ]);
  });

  it('answers SSM with the parameters it holds, and a missing one as SSM does', async () => {
    const ssm = new SSMClient(options());

    const plural = await ssm.send(
      new GetParametersCommand({ Names: ['/p/secret', '/p/none'], WithDecryption: true }),
    );
    const single = await ssm.send(new GetParameterCommand({ Name: '/p/secret', WithDecryption: true }));

    expect(plural.Parameters?.map((parameter) => parameter.Value)).toEqual(['s3cret']);
    expect(plural.InvalidParameters).toEqual(['/p/none']);
    expect(single.Parameter?.Value).toBe('s3cret');
    await expect(ssm.send(new GetParameterCommand({ Name: '/p/none' }))).rejects.toHaveProperty(
      'name',
      'ParameterNotFound',
    );
  });

  it('answers SQS with the MD5 the client checks by default', async () => {
    const sqs = new SQSClient(options());

    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: `${aws.endpoint}/1/q`, MessageBody: 'héllo' }),
    );

    expect(sent.MessageId).toEqual(expect.any(String));
  });

  it('answers Step Functions, EventBridge and SES (the Query protocol, in XML)', async () => {
    const sfn = new SFNClient(options());
    const events = new EventBridgeClient(options());
    const ses = new SESClient(options());

    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:m',
        name: 'd-1',
      }),
    );
    await sfn.send(new SendTaskSuccessCommand({ taskToken: 't', output: '{}' }));
    const put = await events.send(
      new PutEventsCommand({
        Entries: [{ Source: 's', DetailType: 't', Detail: '{}', EventBusName: 'default' }],
      }),
    );
    const email = await ses.send(
      new SendEmailCommand({
        Source: 'Codes <codes@example.com>',
        Destination: { ToAddresses: ['a@example.com'] },
        Message: { Subject: { Data: 'Code' }, Body: { Text: { Data: '123' } } },
      }),
    );

    expect(started.executionArn).toBe('arn:aws:states:us-east-1:1:execution:m:d-1');
    expect(started.startDate).toBeInstanceOf(Date);
    expect(put.FailedEntryCount).toBe(0);
    expect(put.Entries).toHaveLength(1);
    expect(email.MessageId).toEqual(expect.any(String));
    expect(aws.takeCalls()).toEqual([
      'SFN.StartExecution',
      'SFN.SendTaskSuccess',
      'EventBridge.PutEvents',
      'SES.SendEmail',
    ]);
  });

  it('refuses an operation it does not answer, so the handler that asked fails', async () => {
    const sfn = new SFNClient({ ...options(), maxAttempts: 1 });
    const ses = new SESClient({ ...options(), maxAttempts: 1 });

    await expect(
      sfn.send(new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:1:execution:m:d-1' })),
    ).rejects.toHaveProperty('name', 'UnknownOperationException');
    await expect(ses.send(new GetSendQuotaCommand({}))).rejects.toHaveProperty('name', 'InvalidAction');
  });
});

describe('bench Sinch answers', () => {
  let sinch: SinchAnswers;

  beforeAll(async () => {
    sinch = await startSinchAnswers();
  });
  afterAll(() => sinch.close());

  it('gives the Sinch client a token and a message id', async () => {
    const client = createSinchClient({
      projectId: 'p-1',
      appId: 'app-1',
      apiUrl: sinch.endpoint,
      authUrl: sinch.endpoint,
    });

    const accepted = await client.sendSms(
      { to: '+46701234567', text: 'Your code is 123456', metadata: 'd-1#1', ttlSeconds: 300 },
      { keyId: 'key', keySecret: 'secret' },
    );

    expect(accepted.messageId).toMatch(/^[0-9A-Z]{26}$/);
    expect(sinch.takeCalls()).toEqual(['Sinch.token', 'Sinch.messages:send']);
  });

  it('refuses a send without the token it gave', async () => {
    const response = await fetch(`${sinch.endpoint}/v1/projects/p-1/messages:send`, {
      method: 'POST',
      headers: { authorization: 'Bearer other', 'content-type': 'application/json' },
      body: '{}',
    });

    expect(response.status).toBe(401);
    expect(sinch.takeCalls()).toEqual(['Sinch.messages:send']);
  });
});
