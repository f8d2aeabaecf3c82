import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DeliveryClient, type DeliveryClientOptions } from '../../../client/delivery-client';
import type { DeliveryMetaItem } from '../../../lib/table/delivery-model';
import { ConflictError, ValidationError } from '../../../lib/shared/errors';
import { hashRecipient } from '../../../lib/shared/pii';
import { aDeliveryRequest, TEST_MOBILE, TEST_NOW } from '../../builders/delivery-request';

const HASH_KEY = 'client-recipient-hash-key-0123456789';
const OPTIONS: DeliveryClientOptions = {
  tableName: 'receipt-driven-sms-test-deliveries',
  stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:receipt-driven-sms-test-delivery',
  recipientHashKeyParam: '/receipt-driven-sms/test/recipient-hash-key',
  region: 'eu-west-1',
  now: () => TEST_NOW,
};
const EXECUTION_ARN =
  'arn:aws:states:eu-west-1:123456789012:execution:receipt-driven-sms-test-delivery:login-7f3a9c';

const dynamoMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);
const ssmMock = mockClient(SSMClient);

function storedItems(): DeliveryMetaItem[] {
  return dynamoMock.commandCalls(PutCommand).map((call) => call.args[0].input.Item as DeliveryMetaItem);
}

describe('DeliveryClient', () => {
  beforeEach(() => {
    dynamoMock.reset();
    sfnMock.reset();
    ssmMock.reset();
    ssmMock
      .on(GetParameterCommand)
      .resolves({ Parameter: { Name: OPTIONS.recipientHashKeyParam, Value: HASH_KEY } });
    dynamoMock.on(PutCommand).resolves({});
    dynamoMock.on(UpdateCommand).resolves({});
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: TEST_NOW });
  });

  it('starts a delivery exactly as the send API does', async () => {
    const client = new DeliveryClient(OPTIONS);

    const result = await client.send(aDeliveryRequest());

    expect(result).toEqual({ deliveryId: 'login-7f3a9c', executionArn: EXECUTION_ARN, status: 'started' });
    expect(storedItems()).toEqual([
      expect.objectContaining({ to: TEST_MOBILE, toHash: hashRecipient(TEST_MOBILE, HASH_KEY) }),
    ]);
    expect(dynamoMock.commandCalls(PutCommand)[0]?.args[0].input.TableName).toBe(OPTIONS.tableName);
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toMatchObject({
      stateMachineArn: OPTIONS.stateMachineArn,
      name: 'login-7f3a9c',
    });
  });

  it('reads the hash key as a decrypted SecureString once, even for concurrent first sends', async () => {
    const client = new DeliveryClient(OPTIONS);

    await Promise.all([
      client.send(aDeliveryRequest({ deliveryId: 'a' })),
      client.send(aDeliveryRequest({ deliveryId: 'b' })),
    ]);
    await client.send(aDeliveryRequest({ deliveryId: 'c' }));

    expect(ssmMock.commandCalls(GetParameterCommand).map((call) => call.args[0].input)).toEqual([
      { Name: OPTIONS.recipientHashKeyParam, WithDecryption: true },
    ]);
  });

  it('reads the key again after a failed read', async () => {
    ssmMock
      .on(GetParameterCommand)
      .rejectsOnce(new Error('ThrottlingException'))
      .resolves({ Parameter: { Value: HASH_KEY } });
    const client = new DeliveryClient(OPTIONS);

    await expect(client.send(aDeliveryRequest())).rejects.toThrow('ThrottlingException');
    await expect(client.send(aDeliveryRequest())).resolves.toMatchObject({ status: 'started' });
  });

  it('fails with a ConfigError when the key parameter is empty', async () => {
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: '' } });

    await expect(new DeliveryClient(OPTIONS).send(aDeliveryRequest())).rejects.toMatchObject({
      name: 'ConfigError',
    });
  });

  it('throws a ValidationError listing every invalid field and stores nothing', async () => {
    const client = new DeliveryClient(OPTIONS);

    const error = await client
      .send(aDeliveryRequest({ to: '+33123456789', expiresAt: '2029-12-31T00:00:00Z' }))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      { path: 'to', message: 'must be a valid mobile number' },
      { path: 'expiresAt', message: 'must be in the future' },
    ]);
    expect(dynamoMock.calls()).toHaveLength(0);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('returns the existing delivery for a retried send and a ConflictError for a reused id', async () => {
    const client = new DeliveryClient(OPTIONS);
    await client.send(aDeliveryRequest());
    const stored = { ...storedItems()[0]!, executionArn: EXECUTION_ARN };
    dynamoMock
      .on(PutCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    dynamoMock.on(GetCommand).resolves({ Item: stored });

    await expect(client.send(aDeliveryRequest())).resolves.toMatchObject({ status: 'existing' });
    await expect(client.send(aDeliveryRequest({ text: 'Your code is 999999.' }))).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('uses the clients it is given', async () => {
    const dynamoDb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'ap-south-1' }));
    const client = new DeliveryClient({ ...OPTIONS, clients: { dynamoDb } });
    const send = jest.spyOn(dynamoDb, 'send');

    await client.send(aDeliveryRequest());

    expect(send).toHaveBeenCalled();
  });

  it('closes only the SDK clients it created', () => {
    const sfn = new SFNClient({ region: 'eu-west-1' });
    const injectedDestroy = jest.spyOn(sfn, 'destroy');
    const createdDestroy = jest.spyOn(SSMClient.prototype, 'destroy');
    const client = new DeliveryClient({ ...OPTIONS, clients: { sfn } });

    client.destroy();

    expect(injectedDestroy).not.toHaveBeenCalled();
    expect(createdDestroy).toHaveBeenCalledTimes(1);
    createdDestroy.mockRestore();
  });

  describe('fromStage', () => {
    it('derives the resource names of a stage the way serverless.yml names them', async () => {
      const client = DeliveryClient.fromStage({
        stage: 'prod',
        region: 'eu-west-1',
        accountId: '123456789012',
      });

      await client.send(aDeliveryRequest({ expiresAt: new Date(Date.now() + 60_000).toISOString() }));

      expect(ssmMock.commandCalls(GetParameterCommand)[0]?.args[0].input.Name).toBe(
        '/receipt-driven-sms/prod/recipient-hash-key',
      );
      expect(dynamoMock.commandCalls(PutCommand)[0]?.args[0].input.TableName).toBe(
        'receipt-driven-sms-prod-deliveries',
      );
      expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.stateMachineArn).toBe(
        'arn:aws:states:eu-west-1:123456789012:stateMachine:receipt-driven-sms-prod-delivery',
      );
    });

    it('keeps the partition of the account', async () => {
      const client = DeliveryClient.fromStage({
        stage: 'prod',
        region: 'cn-north-1',
        accountId: '123456789012',
        partition: 'aws-cn',
      });

      await client.send(aDeliveryRequest({ expiresAt: new Date(Date.now() + 60_000).toISOString() }));

      expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.stateMachineArn).toMatch(
        /^arn:aws-cn:states:cn-north-1:/,
      );
    });
  });
});
