import { TargetError } from '../../../cli/errors';
import {
  executionArnFor,
  executionConsoleUrl,
  stackName,
  targetFromLocalStackFile,
  targetFromStackOutputs,
} from '../../../cli/target';

const OUTPUTS = {
  DeliveriesTableName: 'receipt-driven-sms-prod-deliveries',
  ReceiptsQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/receipt-driven-sms-prod-receipts',
  ReceiptsDlqUrl: 'https://sqs.eu-west-1.amazonaws.com/1/receipt-driven-sms-prod-receipts-dlq',
  RecipientHashKeyParam: '/receipt-driven-sms/prod/recipient-hash-key',
  DeliveryStateMachineArn: 'arn:aws:states:eu-west-1:1:stateMachine:receipt-driven-sms-prod-delivery',
  IngressUrl: 'https://x.lambda-url.eu-west-1.on.aws/',
};

describe('targetFromStackOutputs', () => {
  it('reads the resources of a stage from its stack outputs', () => {
    expect(targetFromStackOutputs(OUTPUTS, 'prod', 'eu-west-1')).toEqual({
      label: 'stage prod (eu-west-1)',
      local: false,
      region: 'eu-west-1',
      deliveriesTable: OUTPUTS.DeliveriesTableName,
      receiptsQueueUrl: OUTPUTS.ReceiptsQueueUrl,
      receiptsDlqUrl: OUTPUTS.ReceiptsDlqUrl,
      recipientHashKeyParam: OUTPUTS.RecipientHashKeyParam,
      stateMachineArn: OUTPUTS.DeliveryStateMachineArn,
    });
  });

  it('names every missing output of a stack deployed from an older version', () => {
    const older: Record<string, string> = { ...OUTPUTS };
    delete older.DeliveriesTableName;
    delete older.RecipientHashKeyParam;

    expect(() => targetFromStackOutputs(older, 'prod', 'eu-west-1')).toThrow(
      new TargetError(
        'Stack receipt-driven-sms-prod has no outputs DeliveriesTableName, RecipientHashKeyParam.',
      ),
    );
  });

  it('does without the state machine output', () => {
    const rest: Record<string, string> = { ...OUTPUTS };
    delete rest.DeliveryStateMachineArn;

    expect(targetFromStackOutputs(rest, 'prod', undefined)).toMatchObject({
      label: 'stage prod',
      stateMachineArn: undefined,
    });
  });
});

describe('targetFromLocalStackFile', () => {
  const endpoints = {
    dynamodb: 'http://127.0.0.1:8000',
    sqs: 'http://127.0.0.1:4566',
    stepfunctions: 'http://127.0.0.1:8083',
    ssm: 'http://127.0.0.1:8084',
    ses: 'http://127.0.0.1:8005',
  };
  const stackFile = {
    pid: 4242,
    stage: 'local',
    region: 'us-east-1',
    endpoints,
    resources: {
      deliveriesTable: 'receipt-driven-sms-local-deliveries',
      receiptsQueueUrl: 'http://127.0.0.1:4566/000000000000/receipt-driven-sms-local-receipts',
      receiptsDlqUrl: 'http://127.0.0.1:4566/000000000000/receipt-driven-sms-local-receipts-dlq',
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:receipt-driven-sms-local-delivery',
      queues: {},
      tables: {},
    },
    ssmParameters: { RECIPIENT_HASH_KEY_PARAM: '/receipt-driven-sms/local/recipient-hash-key' },
  };

  it('reads the resources, the hash key parameter and the emulator endpoints npm start wrote', () => {
    const { pid, target } = targetFromLocalStackFile(JSON.stringify(stackFile), 'stack.json');

    expect(pid).toBe(4242);
    expect(target).toEqual({
      label: 'the local stack',
      local: true,
      region: 'us-east-1',
      deliveriesTable: 'receipt-driven-sms-local-deliveries',
      receiptsQueueUrl: stackFile.resources.receiptsQueueUrl,
      receiptsDlqUrl: stackFile.resources.receiptsDlqUrl,
      recipientHashKeyParam: '/receipt-driven-sms/local/recipient-hash-key',
      stateMachineArn: stackFile.resources.stateMachineArn,
      endpoints: {
        dynamodb: endpoints.dynamodb,
        sqs: endpoints.sqs,
        stepfunctions: endpoints.stepfunctions,
        ssm: endpoints.ssm,
      },
    });
  });

  it.each([
    ['not JSON', '{', /is not valid JSON/],
    ['without resources', JSON.stringify({ endpoints }), /does not describe a local stack/],
    [
      'missing an endpoint and a resource',
      JSON.stringify({
        ...stackFile,
        endpoints: { ...endpoints, ssm: undefined },
        resources: { ...stackFile.resources, deliveriesTable: undefined },
      }),
      /lacks endpoints.ssm, deliveriesTable/,
    ],
    [
      'without the hash key parameter',
      JSON.stringify({ ...stackFile, ssmParameters: {} }),
      /lacks recipientHashKeyParam/,
    ],
  ])('rejects a file %s', (_name, contents, message) => {
    expect(() => targetFromLocalStackFile(contents, 'stack.json')).toThrow(message);
  });
});

describe('names', () => {
  it('derives the stack name and an execution ARN', () => {
    expect(stackName('prod')).toBe('receipt-driven-sms-prod');
    expect(executionArnFor('arn:aws:states:eu-west-1:1:stateMachine:sm', 'd-1')).toBe(
      'arn:aws:states:eu-west-1:1:execution:sm:d-1',
    );
  });
});

describe('executionConsoleUrl', () => {
  it("links an execution to its page in its region's Step Functions console", () => {
    const arn = 'arn:aws:states:eu-west-1:123456789012:execution:receipt-driven-sms-prod-delivery:d-1';

    expect(executionConsoleUrl(arn)).toBe(
      `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${encodeURIComponent(arn)}`,
    );
  });

  it('uses the console of the China partition', () => {
    expect(executionConsoleUrl('arn:aws-cn:states:cn-north-1:123456789012:execution:sm:d-1')).toMatch(
      /^https:\/\/cn-north-1\.console\.amazonaws\.cn\/states\//,
    );
  });

  it('gives no link for something that is not an execution ARN', () => {
    expect(executionConsoleUrl('arn:aws:states:eu-west-1:123456789012:stateMachine:sm')).toBeUndefined();
    expect(executionConsoleUrl('javascript:alert(1)')).toBeUndefined();
  });
});
