import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { connect, fetchStackOutputs } from '../../../../cli/adapters/connect';
import { TargetError } from '../../../../cli/errors';
import type { Target } from '../../../../cli/target';

const TARGET: Target = {
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
    const services = connect(TARGET);

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

describe('connect: readRecipientHashKey', () => {
  const ssm = mockClient(SSMClient);

  afterEach(() => ssm.reset());

  it('reads the parameter decrypted, afresh on every call', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/p', Value: 'the-key' } });
    const services = connect(TARGET);

    await expect(services.readRecipientHashKey()).resolves.toBe('the-key');
    await expect(services.readRecipientHashKey()).resolves.toBe('the-key');

    expect(ssm.commandCalls(GetParameterCommand).map((call) => call.args[0].input)).toEqual([
      { Name: '/p', WithDecryption: true },
      { Name: '/p', WithDecryption: true },
    ]);
    services.close();
  });

  it('says the parameter is empty when it holds no value', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/p', Value: '' } });
    const services = connect(TARGET);

    const error = await services.readRecipientHashKey().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TargetError);
    expect(error).toMatchObject({ message: 'SSM parameter /p is empty.', hint: undefined });
    services.close();
  });

  it('says phone numbers cannot be looked up when the parameter does not exist', async () => {
    const missing = new ParameterNotFound({ message: 'not found', $metadata: {} });
    ssm.on(GetParameterCommand).rejects(missing);
    const services = connect(TARGET);

    const error = await services.readRecipientHashKey().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TargetError);
    expect(error).toMatchObject({
      message: 'The recipient hash key /p does not exist, so phone numbers cannot be looked up.',
      hint: 'Engineering creates it before the first deploy (see README, "Deploy").',
      cause: missing,
    });
    services.close();
  });

  it('passes any other failure on unchanged, for the command to word', async () => {
    const denied = Object.assign(new Error('no'), { name: 'AccessDeniedException' });
    ssm.on(GetParameterCommand).rejects(denied);
    const services = connect(TARGET);

    await expect(services.readRecipientHashKey()).rejects.toBe(denied);
    services.close();
  });
});
