import {
  PACKAGING_TIMEOUT_MS,
  actionsOf,
  iamStatements,
  packagedTemplate,
  resourceNamed,
  resourcesOfType,
  type CloudFormationTemplate,
} from '../../support/packaged-template';

/**
 * What `sls package --stage ci` would deploy for the entry side: a send API only signed callers reach, a
 * deliveries table that keeps nothing in clear it need not and loses nothing, and roles that can do
 * nothing but their job.
 */
describe('packaged template: send API and deliveries table', () => {
  let template: CloudFormationTemplate;

  beforeAll(async () => {
    template = await packagedTemplate('ci');
  }, PACKAGING_TIMEOUT_MS);

  const statementsOf = (logicalId: string) =>
    iamStatements(template).filter((statement) => statement.path.startsWith(`Resources.${logicalId}.`));

  describe('send function', () => {
    it('is reached through a Function URL with AuthType AWS_IAM and no public permission', () => {
      const urls = resourcesOfType(template, 'AWS::Lambda::Url').filter(
        ([, url]) =>
          JSON.stringify(url.Properties?.TargetFunctionArn) ===
          JSON.stringify({ 'Fn::GetAtt': ['SendLambdaFunction', 'Arn'] }),
      );
      const publicPermissions = resourcesOfType(template, 'AWS::Lambda::Permission').filter(
        ([, permission]) =>
          JSON.stringify(permission.Properties?.FunctionName).includes('SendLambdaFunction') &&
          permission.Properties?.Principal === '*',
      );

      expect(urls).toHaveLength(1);
      expect(urls[0]?.[1].Properties?.AuthType).toBe('AWS_IAM');
      expect(publicPermissions).toEqual([]);
    });

    it('runs with its own role and the settings lib/config reads', () => {
      const properties = resourceNamed(template, 'SendLambdaFunction').Properties ?? {};

      expect(properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Role: { 'Fn::GetAtt': ['SendRole', 'Arn'] },
      });
      expect(properties.Environment).toEqual({
        Variables: expect.objectContaining({
          STAGE: 'ci',
          DELIVERIES_TABLE: { Ref: 'DeliveriesTable' },
          DELIVERY_STATE_MACHINE_ARN: { Ref: 'DeliveryStateMachine' },
          RECIPIENT_HASH_KEY_PARAM: '/receipt-driven-sms/ci/recipient-hash-key',
          RETENTION_DAYS: '30',
        }),
      });
    });

    it('may only write its log group, read the one key, touch the table and start or describe deliveries', () => {
      const allowed = statementsOf('SendRole')
        .filter((statement) => statement.Effect === 'Allow' && statement.path.includes('Policies'))
        .map((statement) => ({ actions: actionsOf(statement).sort(), resource: statement.Resource }));

      expect(allowed).toEqual([
        {
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resource: {
            'Fn::Sub':
              'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/receipt-driven-sms-ci-send:*',
          },
        },
        {
          actions: ['ssm:GetParameters'],
          resource: {
            'Fn::Sub':
              'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/receipt-driven-sms/ci/recipient-hash-key',
          },
        },
        {
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
          resource: { 'Fn::GetAtt': ['DeliveriesTable', 'Arn'] },
        },
        { actions: ['states:StartExecution'], resource: { Ref: 'DeliveryStateMachine' } },
        {
          actions: ['states:DescribeExecution'],
          resource: {
            'Fn::Sub':
              'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:receipt-driven-sms-ci-delivery:*',
          },
        },
      ]);
    });

    it('publishes the URL and the table name as stack outputs', () => {
      expect(template.Outputs?.SendApiUrl?.Value).toEqual({
        'Fn::GetAtt': ['SendLambdaFunctionUrl', 'FunctionUrl'],
      });
      expect(template.Outputs?.DeliveriesTableName?.Value).toEqual({ Ref: 'DeliveriesTable' });
      expect(template.Outputs?.RecipientHashKeyParam?.Value).toBe(
        '/receipt-driven-sms/ci/recipient-hash-key',
      );
    });
  });

  describe('caller policies', () => {
    it('lets an API caller invoke the send function only through its IAM-authorised URL', () => {
      const allowed = statementsOf('SendApiCallerPolicy').map((statement) => ({
        actions: actionsOf(statement),
        resource: statement.Resource,
        condition: statement.Condition,
      }));

      expect(allowed).toEqual([
        {
          actions: ['lambda:InvokeFunctionUrl'],
          resource: { 'Fn::GetAtt': ['SendLambdaFunction', 'Arn'] },
          condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } },
        },
        {
          actions: ['lambda:InvokeFunction'],
          resource: { 'Fn::GetAtt': ['SendLambdaFunction', 'Arn'] },
          condition: { Bool: { 'lambda:InvokedViaFunctionUrl': true } },
        },
      ]);
      expect(template.Outputs?.SendApiCallerPolicyArn?.Value).toEqual({ Ref: 'SendApiCallerPolicy' });
    });

    it('gives DeliveryClient users exactly what startDelivery calls', () => {
      const actions = statementsOf('DeliveryClientPolicy').flatMap(actionsOf).sort();

      expect(actions).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'ssm:GetParameter',
        'states:DescribeExecution',
        'states:StartExecution',
      ]);
      expect(template.Outputs?.DeliveryClientPolicyArn?.Value).toEqual({ Ref: 'DeliveryClientPolicy' });
    });
  });

  describe('deliveries table', () => {
    const table = () => resourceNamed(template, 'DeliveriesTable');

    it('is on-demand with point-in-time recovery, KMS encryption and TTL on `ttl`', () => {
      expect(table().Properties).toMatchObject({
        TableName: 'receipt-driven-sms-ci-deliveries',
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      });
    });

    it('has the byMessage and byRecipient indexes DESIGN.md names', () => {
      const indexes = table().Properties?.GlobalSecondaryIndexes as {
        IndexName: string;
        KeySchema: unknown;
      }[];

      expect(indexes.map(({ IndexName, KeySchema }) => ({ IndexName, KeySchema }))).toEqual([
        { IndexName: 'byMessage', KeySchema: [{ AttributeName: 'messageId', KeyType: 'HASH' }] },
        {
          IndexName: 'byRecipient',
          KeySchema: [
            { AttributeName: 'toHash', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
        },
      ]);
    });

    it('never projects the recipient, email or message text into an index', () => {
      const projected = JSON.stringify(table().Properties?.GlobalSecondaryIndexes);

      for (const attribute of ['"to"', '"text"', '"email"']) expect(projected).not.toContain(attribute);
      expect(projected).not.toContain('"ALL"');
    });

    it('is dropped with the throwaway ci stage (other stages retain it by default)', () => {
      expect(table()).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    });
  });
});
