import { TargetError } from '../../../cli/errors';
import {
  executionArnFor,
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
  };

  it('reads outputs and emulator endpoints', () => {
    const target = targetFromLocalStackFile(
      JSON.stringify({ region: 'us-east-1', outputs: OUTPUTS, endpoints }),
      'stack.json',
    );

    expect(target).toMatchObject({ label: 'the local stack', local: true, region: 'us-east-1', endpoints });
    expect(target.deliveriesTable).toBe(OUTPUTS.DeliveriesTableName);
  });

  it.each([
    ['not JSON', '{', /is not valid JSON/],
    ['without endpoints', JSON.stringify({ outputs: OUTPUTS }), /does not describe a local stack/],
    [
      'missing an endpoint',
      JSON.stringify({ outputs: OUTPUTS, endpoints: { ...endpoints, ssm: undefined } }),
      /lists no endpoint for ssm/,
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
