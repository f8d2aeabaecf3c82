import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { readStackOutputs } from '../../../../cli/adapters/stack-outputs';
import { TargetError } from '../../../../cli/errors';

describe('readStackOutputs', () => {
  const cloudFormation = mockClient(CloudFormationClient);
  const client = new CloudFormationClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });

  afterEach(() => cloudFormation.reset());
  afterAll(() => client.destroy());

  it('returns the outputs of the stack by key', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand, { StackName: 'receipt-driven-sms-prod' }).resolves({
      Stacks: [
        {
          StackName: 'receipt-driven-sms-prod',
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: [
            { OutputKey: 'DeliveriesTableName', OutputValue: 'table' },
            { OutputKey: 'ReceiptsDlqUrl', OutputValue: 'https://dlq' },
          ],
        },
      ],
    });

    // Act
    const outputs = await readStackOutputs(client, 'receipt-driven-sms-prod', 'prod');

    // Assess
    expect(outputs).toEqual({ DeliveriesTableName: 'table', ReceiptsDlqUrl: 'https://dlq' });
  });

  it('says the stage is not deployed in the region when the stack does not exist', async () => {
    // Prepare
    const missing = Object.assign(new Error('Stack with id receipt-driven-sms-nope does not exist'), {
      name: 'ValidationError',
    });
    cloudFormation.on(DescribeStacksCommand).rejects(missing);

    // Act
    const reading = readStackOutputs(client, 'receipt-driven-sms-nope', 'nope');

    // Assess
    await expect(reading).rejects.toThrow(TargetError);
    await expect(reading).rejects.toThrow(
      'Stage "nope" is not deployed in eu-west-1: there is no CloudFormation stack receipt-driven-sms-nope.',
    );
  });

  it('lets other errors through for the caller to explain', async () => {
    const denied = Object.assign(new Error('denied'), { name: 'AccessDenied' });
    cloudFormation.on(DescribeStacksCommand).rejects(denied);

    await expect(readStackOutputs(client, 'receipt-driven-sms-prod', 'prod')).rejects.toMatchObject({
      name: 'AccessDenied',
    });
  });
});
