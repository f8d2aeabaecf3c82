import {
  jsonToQueryXml,
  queryErrorFromJson,
  queryToJson,
  SQS_XMLNS,
} from '../../../local/sqs-query-protocol';

const QUEUE_URL = 'http://sqs.us-east-1.localhost:4601/000000000000/work';

describe('SQS Query protocol translation', () => {
  it('turns flattened lists and integers into the JSON request', () => {
    // Prepare
    const form = new URLSearchParams({
      Action: 'ReceiveMessage',
      Version: '2012-11-05',
      QueueUrl: QUEUE_URL,
      'AttributeName.1': 'All',
      'MessageAttributeName.1': 'eventType',
      'MessageAttributeName.2': 'status',
      MaxNumberOfMessages: '10',
      WaitTimeSeconds: '0',
      VisibilityTimeout: '30',
    });

    // Act
    const translated = queryToJson(form);

    // Assess
    expect(translated).toEqual({
      action: 'ReceiveMessage',
      body: {
        QueueUrl: QUEUE_URL,
        AttributeNames: ['All'],
        MessageAttributeNames: ['eventType', 'status'],
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 30,
      },
    });
  });

  it('turns numbered message attributes and batch entries into maps and lists, in order', () => {
    // Prepare
    const form = new URLSearchParams({
      Action: 'SendMessageBatch',
      QueueUrl: QUEUE_URL,
      'SendMessageBatchRequestEntry.2.Id': 'b',
      'SendMessageBatchRequestEntry.2.MessageBody': 'second',
      'SendMessageBatchRequestEntry.1.Id': 'a',
      'SendMessageBatchRequestEntry.1.MessageBody': 'first',
      'SendMessageBatchRequestEntry.1.DelaySeconds': '5',
      'SendMessageBatchRequestEntry.1.MessageAttribute.1.Name': 'kind',
      'SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType': 'String',
      'SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue': 'report',
    });

    // Act
    const { body } = queryToJson(form);

    // Assess
    expect(body.Entries).toEqual([
      {
        Id: 'a',
        MessageBody: 'first',
        DelaySeconds: 5,
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'report' } },
      },
      { Id: 'b', MessageBody: 'second' },
    ]);
  });

  it('reads queue attributes to set as Attribute.N.Name / Attribute.N.Value pairs', () => {
    const { body } = queryToJson(
      new URLSearchParams({
        Action: 'SetQueueAttributes',
        QueueUrl: QUEUE_URL,
        'Attribute.1.Name': 'VisibilityTimeout',
        'Attribute.1.Value': '60',
      }),
    );

    expect(body).toEqual({ QueueUrl: QUEUE_URL, Attributes: { VisibilityTimeout: '60' } });
  });

  it('answers attributes as <Attribute><Name/><Value/></Attribute> inside the action result', () => {
    // Act
    const answer = jsonToQueryXml('GetQueueAttributes', {
      Attributes: { VisibilityTimeout: '9', QueueArn: 'arn:aws:sqs:us-east-1:000000000000:work' },
    });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(
      new RegExp(
        `^<\\?xml version="1.0"\\?><GetQueueAttributesResponse xmlns="${SQS_XMLNS.replace(/[./]/g, '\\$&')}">` +
          '<GetQueueAttributesResult><Attribute><Name>VisibilityTimeout</Name><Value>9</Value></Attribute>' +
          '<Attribute><Name>QueueArn</Name><Value>arn:aws:sqs:us-east-1:000000000000:work</Value></Attribute>' +
          '</GetQueueAttributesResult><ResponseMetadata><RequestId>[0-9a-f-]{36}</RequestId></ResponseMetadata>' +
          '</GetQueueAttributesResponse>$',
      ),
    );
  });

  it('answers received messages with their attributes and message attributes, escaping the body', () => {
    const answer = jsonToQueryXml('ReceiveMessage', {
      Messages: [
        {
          MessageId: 'm-1',
          ReceiptHandle: 'rh-1',
          MD5OfBody: 'md5',
          Body: '{"a":"<b>&"}',
          Attributes: { ApproximateReceiveCount: '1' },
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'report' } },
        },
      ],
    });

    expect(answer.body).toContain(
      '<ReceiveMessageResult><Message><MessageId>m-1</MessageId><ReceiptHandle>rh-1</ReceiptHandle>' +
        '<MD5OfBody>md5</MD5OfBody><Body>{&quot;a&quot;:&quot;&lt;b&gt;&amp;&quot;}</Body>' +
        '<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>' +
        '<MessageAttribute><Name>kind</Name><Value><DataType>String</DataType><StringValue>report</StringValue>' +
        '</Value></MessageAttribute></Message></ReceiveMessageResult>',
    );
  });

  it('answers actions without a result with the response metadata only', () => {
    const answer = jsonToQueryXml('DeleteMessage', {});

    expect(answer.body).toMatch(
      /^<\?xml version="1.0"\?><DeleteMessageResponse [^>]+><ResponseMetadata><RequestId>[^<]+<\/RequestId><\/ResponseMetadata><\/DeleteMessageResponse>$/,
    );
  });

  it('answers an error with the Query code and fault from x-amzn-query-error', () => {
    // Act
    const answer = queryErrorFromJson(400, 'AWS.SimpleQueueService.NonExistentQueue;Sender', {
      __type: 'com.amazonaws.sqs#QueueDoesNotExist',
      message: 'The specified queue does not exist.',
    });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body).toMatch(
      /^<ErrorResponse xmlns="http:\/\/queue\.amazonaws\.com\/doc\/2012-11-05\/"><Error><Type>Sender<\/Type><Code>AWS\.SimpleQueueService\.NonExistentQueue<\/Code><Message>The specified queue does not exist\.<\/Message><\/Error><RequestId>[^<]+<\/RequestId><\/ErrorResponse>$/,
    );
  });

  it('falls back to the __type code and the status for the fault', () => {
    const answer = queryErrorFromJson(500, undefined, {
      __type: 'com.amazonaws.sqs#InternalError',
      message: 'x',
    });

    expect(answer.body).toContain('<Type>Receiver</Type><Code>InternalError</Code>');
  });
});
