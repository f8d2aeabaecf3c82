import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { connect, fetchStackOutputs } from '../../../../cli/adapters/connect';
import type { Target } from '../../../../cli/target';

describe('fetchStackOutputs', () => {
  const cloudFormation = mockClient(CloudFormationClient);

  afterEach(() => cloudFormation.reset());

  it('reads the stack of the stage in the region asked for', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand, { StackName: 'receipt-driven-sms-prod' }).resolves({
      Stacks: [
        {
          StackName: 'receipt-driven-sms-prod',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [{ OutputKey: 'DeliveriesTableName', OutputValue: 'table' }],
        },
      ],
    });

    // Act
    const result = await fetchStackOutputs('receipt-driven-sms-prod', 'prod', 'eu-west-1');

    // Assess
    expect(result).toEqual({ outputs: { DeliveriesTableName: 'table' }, region: 'eu-west-1' });
  });
});

describe('connect', () => {
  it('builds the services of a target and closes their clients', () => {
    const target: Target = {
      label: 'the local stack',
      local: true,
      region: 'us-east-1',
      deliveriesTable: 't',
      receiptsQueueUrl: 'http://127.0.0.1:9/q',
      receiptsDlqUrl: 'http://127.0.0.1:9/d',
      recipientHashKeyParam: '/p',
      stateMachineArn: undefined,
      endpoints: {
        dynamodb: 'http://127.0.0.1:9',
        sqs: 'http://127.0.0.1:9',
        stepfunctions: 'http://127.0.0.1:9',
        ssm: 'http://127.0.0.1:9',
      },
    };

    const services = connect(target);

    expect(Object.keys(services).sort()).toEqual([
      'close',
      'deliveries',
      'executions',
      'parkedReceipts',
      'readRecipientHashKey',
    ]);
    expect(() => services.close()).not.toThrow();
  });
});
