import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { boundedClientOptions } from '../../../lib/shared/aws-clients';
import { createFaultInjector, type FaultInjector } from '../../../local/fault-injector';
import { startSqsEmulator, type SqsEmulator } from '../../../local/sqs-emulator';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
/** A SigV4 header as the AWS CLI sends it; the region in its scope is what fauxqs reads. */
const AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=00';

/** The first `<tag>…</tag>` text of an XML answer. */
const first = (xml: string, tag: string): string | undefined =>
  new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];

describe('the local SQS front', () => {
  let sqs: SqsEmulator;
  let client: SQSClient;
  let injector: FaultInjector;
  let now = 1_000_000;
  let queueUrl: string;

  /** A raw Query-protocol request, as the AWS CLI before 2.13 sends it. */
  const query = async (
    parameters: Record<string, string>,
    path = '/',
  ): Promise<{ status: number; type: string | null; xml: string }> => {
    const response = await fetch(`${sqs.endpoint}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        authorization: AUTHORIZATION,
      },
      body: new URLSearchParams({ ...parameters, Version: '2012-11-05' }).toString(),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      xml: await response.text(),
    };
  };

  beforeAll(async () => {
    injector = createFaultInjector({ faults: { sqsOutageSeconds: 60 }, now: () => now });
    sqs = await startSqsEmulator({ root: process.cwd(), injector });
    client = new SQSClient({
      ...boundedClientOptions(),
      region: 'us-east-1',
      endpoint: sqs.endpoint,
      credentials,
      useQueueUrlAsEndpoint: false,
    });
    ({ QueueUrl: queueUrl } = (await client.send(
      new CreateQueueCommand({ QueueName: 'front-work', Attributes: { VisibilityTimeout: '30' } }),
    )) as { QueueUrl: string });
  });

  afterAll(async () => {
    client.destroy();
    await sqs.stop();
  });

  describe('sqs-outage', () => {
    it('fails SendMessage with InternalError during the outage, and sends again after it', async () => {
      // Prepare
      injector.start();
      now += 1_000;

      // Act
      const during = await client
        .send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'during' }))
        .then(
          () => undefined,
          (error: unknown) => error as { name: string; message: string; $metadata: Record<string, unknown> },
        );
      const refusedSoFar = injector.counts()['sqs-outage'];
      now += 60_000;
      const after = await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'after' }));
      const received = await client.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );

      // Assess
      expect(during).toMatchObject({
        name: 'InternalError',
        message: 'We encountered an internal error. Please try again.',
        $metadata: { httpStatusCode: 500, attempts: 3 },
      });
      expect(refusedSoFar).toBe(3);
      expect(after.MessageId).toEqual(expect.any(String));
      expect(received.Messages?.map((message) => message.Body)).toEqual(['after']);
    });

    it('answers the wire format SQS uses: JSON 1.0 with x-amzn-query-error, or Query XML', async () => {
      // Prepare
      const outage = createFaultInjector({ faults: { sqsOutageSeconds: 60 } });
      const front = await startSqsEmulator({ root: process.cwd(), injector: outage });
      outage.start();

      try {
        // Act
        const json = await fetch(front.endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' },
          body: JSON.stringify({
            QueueUrl: 'http://sqs.us-east-1.localhost/000000000000/x',
            MessageBody: 'x',
          }),
        });
        const form = await fetch(front.endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'Action=SendMessage&QueueUrl=x&MessageBody=x&Version=2012-11-05',
        });

        // Assess
        expect(json.status).toBe(500);
        expect(json.headers.get('x-amzn-query-error')).toBe('InternalError;Receiver');
        expect(await json.json()).toEqual({
          __type: 'com.amazonaws.sqs#InternalError',
          message: 'We encountered an internal error. Please try again.',
        });
        expect(form.status).toBe(500);
        expect(await form.text()).toContain(
          '<Error><Type>Receiver</Type><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>',
        );
      } finally {
        await front.stop();
      }
    });
  });

  describe('the Query protocol (raw form-encoded requests)', () => {
    it('answers GetQueueAttributes with every attribute as XML', async () => {
      // Act
      const { status, type, xml } = await query({
        Action: 'GetQueueAttributes',
        QueueUrl: queueUrl,
        'AttributeName.1': 'All',
      });

      // Assess
      expect(status).toBe(200);
      expect(type).toBe('text/xml');
      expect(xml).toMatch(
        /^<\?xml version="1.0"\?><GetQueueAttributesResponse xmlns="http:\/\/queue\.amazonaws\.com\/doc\/2012-11-05\/"><GetQueueAttributesResult>/,
      );
      expect(xml).toContain('<Attribute><Name>VisibilityTimeout</Name><Value>30</Value></Attribute>');
      expect(xml).toContain(
        '<Attribute><Name>QueueArn</Name><Value>arn:aws:sqs:us-east-1:000000000000:front-work</Value></Attribute>',
      );
      expect(xml).toMatch(
        /<\/GetQueueAttributesResult><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/GetQueueAttributesResponse>$/,
      );
    });

    it('lists queues and finds a queue URL by name', async () => {
      // Act
      const listed = await query({ Action: 'ListQueues', QueueNamePrefix: 'front-' });
      const found = await query({ Action: 'GetQueueUrl', QueueName: 'front-work' });

      // Assess
      expect(listed.xml).toContain(`<ListQueuesResult><QueueUrl>${queueUrl}</QueueUrl></ListQueuesResult>`);
      expect(found.xml).toContain(`<GetQueueUrlResult><QueueUrl>${queueUrl}</QueueUrl></GetQueueUrlResult>`);
    });

    it('sends, receives, changes the visibility of and deletes a message', async () => {
      // Prepare
      await query({ Action: 'PurgeQueue', QueueUrl: queueUrl });

      // Act
      const sent = await query({
        Action: 'SendMessage',
        QueueUrl: queueUrl,
        MessageBody: 'hello & <goodbye>',
        'MessageAttribute.1.Name': 'kind',
        'MessageAttribute.1.Value.DataType': 'String',
        'MessageAttribute.1.Value.StringValue': 'report',
      });
      const received = await query({
        Action: 'ReceiveMessage',
        QueueUrl: queueUrl,
        'AttributeName.1': 'All',
        'MessageAttributeName.1': 'All',
        WaitTimeSeconds: '0',
      });
      const receiptHandle = first(received.xml, 'ReceiptHandle')!;
      const changed = await query({
        Action: 'ChangeMessageVisibility',
        QueueUrl: queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: '0',
      });
      const again = await query({ Action: 'ReceiveMessage', QueueUrl: queueUrl, WaitTimeSeconds: '0' });
      const deleted = await query({
        Action: 'DeleteMessage',
        QueueUrl: queueUrl,
        ReceiptHandle: first(again.xml, 'ReceiptHandle')!,
      });
      const empty = await query({ Action: 'ReceiveMessage', QueueUrl: queueUrl, WaitTimeSeconds: '0' });

      // Assess
      expect(sent.xml).toMatch(/<SendMessageResult>.*<MessageId>[^<]+<\/MessageId>.*<\/SendMessageResult>/);
      expect(first(sent.xml, 'MD5OfMessageBody')).toBe(first(received.xml, 'MD5OfBody'));
      expect(first(received.xml, 'MessageId')).toBe(first(sent.xml, 'MessageId'));
      expect(received.xml).toContain('<Body>hello &amp; &lt;goodbye&gt;</Body>');
      expect(received.xml).toContain(
        '<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>',
      );
      expect(received.xml).toContain(
        '<MessageAttribute><Name>kind</Name><Value><DataType>String</DataType><StringValue>report</StringValue></Value></MessageAttribute>',
      );
      expect(changed.xml).toMatch(
        /^<\?xml version="1.0"\?><ChangeMessageVisibilityResponse [^>]*><ResponseMetadata>/,
      );
      expect(again.xml).toContain('<Body>hello &amp; &lt;goodbye&gt;</Body>');
      expect(deleted.status).toBe(200);
      expect(deleted.xml).toContain('<DeleteMessageResponse');
      expect(empty.xml).toContain('<ReceiveMessageResult></ReceiveMessageResult>');
    });

    it('purges a queue', async () => {
      // Prepare
      await query({ Action: 'SendMessage', QueueUrl: queueUrl, MessageBody: 'to purge' });

      // Act
      const purged = await query({ Action: 'PurgeQueue', QueueUrl: queueUrl });
      const received = await query({ Action: 'ReceiveMessage', QueueUrl: queueUrl, WaitTimeSeconds: '0' });

      // Assess
      expect(purged.status).toBe(200);
      expect(purged.xml).toContain('<PurgeQueueResponse');
      expect(received.xml).not.toContain('<Message>');
    });

    it('serves a request POSTed to the queue’s own path, without QueueUrl', async () => {
      // Act
      const { status, xml } = await query(
        { Action: 'GetQueueAttributes', 'AttributeName.1': 'QueueArn' },
        '/000000000000/front-work',
      );

      // Assess
      expect(status).toBe(200);
      expect(xml).toContain('<Value>arn:aws:sqs:us-east-1:000000000000:front-work</Value>');
    });

    it.each([
      ['QueueUrl', { QueueUrl: 'http://sqs.us-east-1.localhost:1/000000000000/missing' }, '/'],
      ['queue path', {}, '/000000000000/missing'],
    ])(
      'answers an unknown queue (by %s) with AWS.SimpleQueueService.NonExistentQueue',
      async (_by, parameters, path) => {
        // Act
        const { status, xml } = await query({ Action: 'GetQueueAttributes', ...parameters }, path);

        // Assess
        expect(status).toBe(400);
        expect(xml).toMatch(
          /^<ErrorResponse xmlns="http:\/\/queue\.amazonaws\.com\/doc\/2012-11-05\/"><Error><Type>Sender<\/Type><Code>AWS\.SimpleQueueService\.NonExistentQueue<\/Code><Message>[^<]+<\/Message><\/Error><RequestId>[^<]+<\/RequestId><\/ErrorResponse>$/,
        );
      },
    );

    it('answers a request without an action with MissingAction', async () => {
      const response = await fetch(sqs.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'Version=2012-11-05',
      });

      expect(response.status).toBe(400);
      expect(await response.text()).toContain('<Code>MissingAction</Code>');
    });
  });
});
