import {
  PACKAGING_TIMEOUT_MS,
  actionsOf,
  iamStatements,
  packagedTemplate,
  resourceNamed,
  type CloudFormationTemplate,
} from '../../support/packaged-template';
import { senderAddress } from '../../../lib/workflow/email-sender';
import { OUTCOME_EVENT } from '../../../lib/workflow/outcome-event-sender';

/** The value of a condition CloudFormation computes from literals with `Fn::Select` and `Fn::Split`. */
function evaluate(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const [[fn, args]] = Object.entries(value) as [[string, unknown[]]];
  if (fn === 'Fn::Split') return String(evaluate(args[1])).split(String(args[0]));
  if (fn === 'Fn::Select') return (evaluate(args[1]) as unknown[])[Number(args[0])];
  throw new Error(`evaluate: ${fn} is not supported here`);
}

/**
 * What `sls package --stage ci` deploys for the delivery workflow: the state machine as named and
 * referenced by the entry side, logged and traced without its data, and task functions whose roles allow
 * their own job and nothing else.
 */
describe('packaged template: delivery workflow', () => {
  let template: CloudFormationTemplate;

  beforeAll(async () => {
    template = await packagedTemplate('ci');
  }, PACKAGING_TIMEOUT_MS);

  const statementsOf = (logicalId: string) =>
    iamStatements(template).filter((statement) => statement.path.startsWith(`Resources.${logicalId}.`));

  it('deploys a Standard state machine named after service and stage, logged without execution data', () => {
    const machine = resourceNamed(template, 'DeliveryStateMachine');

    expect(machine.Type).toBe('AWS::StepFunctions::StateMachine');
    expect(machine.Properties).toMatchObject({
      StateMachineName: 'receipt-driven-sms-ci-delivery',
      StateMachineType: 'STANDARD',
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [
          {
            CloudWatchLogsLogGroup: {
              LogGroupArn: { 'Fn::GetAtt': ['DeliveryStateMachineLogGroup', 'Arn'] },
            },
          },
        ],
      },
      TracingConfiguration: { Enabled: true },
    });
    expect(resourceNamed(template, 'DeliveryStateMachineLogGroup').Properties).toMatchObject({
      LogGroupName: '/aws/vendedlogs/states/receipt-driven-sms-ci-delivery',
      RetentionInDays: 1,
    });
  });

  it('embeds statemachines/delivery.asl.yml with each task bound to its own function', () => {
    const [definition, references] = (
      resourceNamed(template, 'DeliveryStateMachine').Properties?.DefinitionString as {
        'Fn::Sub': [string, Record<string, unknown>];
      }
    )['Fn::Sub'];
    const parsed = JSON.parse(definition) as {
      StartAt: string;
      States: Record<string, { Parameters?: { FunctionName?: string } }>;
    };

    expect(parsed.StartAt).toBe('SendSms');
    const functionOf = (state: string) =>
      references[parsed.States[state]!.Parameters!.FunctionName!.slice(2, -1)];
    expect(functionOf('SendSms')).toEqual({ 'Fn::GetAtt': ['SendSmsLambdaFunction', 'Arn'] });
    expect(functionOf('DecideNextStep')).toEqual({ 'Fn::GetAtt': ['DecideNextLambdaFunction', 'Arn'] });
    expect(functionOf('SendEmail')).toEqual({ 'Fn::GetAtt': ['SendEmailLambdaFunction', 'Arn'] });
    expect(functionOf('RecordOutcome')).toEqual({ 'Fn::GetAtt': ['RecordOutcomeLambdaFunction', 'Arn'] });
    expect(functionOf('RecordOutcomeAfterError')).toEqual({
      'Fn::GetAtt': ['RecordOutcomeLambdaFunction', 'Arn'],
    });
  });

  it('lets the state machine invoke only its four functions, and nothing else of events', () => {
    const statements = statementsOf('DeliveryStateMachineRole');
    const invoke = statements.find((statement) => actionsOf(statement).includes('lambda:InvokeFunction'));

    const invoked = JSON.stringify(invoke?.Resource);
    for (const fn of ['SendSms', 'DecideNext', 'SendEmail', 'RecordOutcome'])
      expect(invoked).toContain(`${fn}LambdaFunction`);
    expect(invoked).not.toMatch(/Ingress|Processor|"SendLambdaFunction"/);
    expect(statements.flatMap(actionsOf).filter((action) => action.startsWith('events:'))).toEqual([]);
  });

  it('lets RecordOutcome put only the DeliveryOutcome event, only on the default bus', () => {
    const putEvents = statementsOf('RecordOutcomeRole').filter((s) =>
      actionsOf(s).includes('events:PutEvents'),
    );

    expect(putEvents).toHaveLength(1);
    expect(putEvents[0]).toMatchObject({
      Resource: {
        'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default',
      },
      Condition: {
        StringEquals: {
          'events:source': OUTCOME_EVENT.source,
          'events:detail-type': OUTCOME_EVENT.detailType,
        },
      },
    });
  });

  it.each([
    ['SendSmsLambdaFunction', 'SendSmsRole', 15],
    ['DecideNextLambdaFunction', 'DecideNextRole', 10],
    ['SendEmailLambdaFunction', 'SendEmailRole', 15],
    ['RecordOutcomeLambdaFunction', 'RecordOutcomeRole', 10],
  ])('runs %s with its own role %s and a %i s timeout', (fn, role, timeout) => {
    expect(resourceNamed(template, fn).Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Role: { 'Fn::GetAtt': [role, 'Arn'] },
      Timeout: timeout,
      TracingConfig: { Mode: 'Active' },
    });
  });

  it('gives send-sms the Sinch settings and send-email its sender', () => {
    expect(resourceNamed(template, 'SendSmsLambdaFunction').Properties?.Environment).toEqual({
      Variables: expect.objectContaining({
        DELIVERIES_TABLE: { Ref: 'DeliveriesTable' },
        SINCH_REGION: 'us',
        SINCH_CREDENTIALS_PARAM: '/receipt-driven-sms/ci/sinch-credentials',
        SINCH_PROJECT_ID: expect.any(String),
        SINCH_APP_ID: expect.any(String),
      }),
    });
    expect(resourceNamed(template, 'SendEmailLambdaFunction').Properties?.Environment).toEqual({
      Variables: expect.objectContaining({
        DELIVERIES_TABLE: { Ref: 'DeliveriesTable' },
        EMAIL_FROM: expect.any(String),
      }),
    });
  });

  it.each([
    [
      'SendSmsRole',
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sms-voice:SendTextMessage',
        'ssm:GetParameters',
      ],
    ],
    ['DecideNextRole', ['dynamodb:GetItem', 'dynamodb:Query', 'logs:CreateLogStream', 'logs:PutLogEvents']],
    [
      'SendEmailRole',
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'logs:CreateLogStream', 'logs:PutLogEvents', 'ses:SendEmail'],
    ],
    [
      'RecordOutcomeRole',
      [
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'events:PutEvents',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ],
    ],
  ])('allows %s exactly the actions its function uses', (role, actions) => {
    // The permission policies, not the trust policy (sts:AssumeRole for lambda.amazonaws.com).
    const statements = statementsOf(role).filter((s) => s.path.includes('.Policies.'));
    const allowed = statements.flatMap(actionsOf).sort();

    expect(allowed).toEqual(actions);
    expect(allowed.some((action) => action.includes('*'))).toBe(false);
    for (const statement of statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')))) {
      expect(statement.Resource).toEqual({ 'Fn::GetAtt': ['DeliveriesTable', 'Arn'] });
    }
  });

  it('lets send-sms call SendTextMessage only from the stage’s origination identity and configuration set', () => {
    // Prepare: the ci stage turns the secondary provider on
    const send = statementsOf('SendSmsRole').find((s) => actionsOf(s).includes('sms-voice:SendTextMessage'));
    const put = statementsOf('SendSmsRole').find((s) => actionsOf(s).includes('dynamodb:PutItem'));

    // Assess
    expect(actionsOf(send!)).toEqual(['sms-voice:SendTextMessage']);
    expect(send?.Resource).toEqual([
      'arn:aws:sms-voice:us-east-1:111122223333:pool/pool-ci',
      {
        'Fn::Sub':
          'arn:${AWS::Partition}:sms-voice:${AWS::Region}:${AWS::AccountId}:configuration-set/receipt-driven-sms-ci',
      },
    ]);
    // The breaker item is the only item send-sms may put.
    expect((put as { Condition?: unknown } | undefined)?.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['BREAKER#sinch'] },
    });
  });

  it('grants the secondary’s permissions only while the stage turns it on', () => {
    // Prepare
    const role = JSON.stringify(resourceNamed(template, 'SendSmsRole'));
    const conditions = (template as unknown as { Conditions: Record<string, unknown> }).Conditions;

    // Assess
    expect(conditions.SecondarySmsEnabled).toEqual({ 'Fn::Equals': ['aws-sms', 'aws-sms'] });
    expect(role.match(/"Fn::If":\["SecondarySmsEnabled"/g)).toHaveLength(2);
  });

  it('passes the secondary’s settings to send-sms and tells decide-next it exists', () => {
    // Prepare
    const variables = (name: string) =>
      (resourceNamed(template, name).Properties?.Environment as { Variables: Record<string, unknown> })
        .Variables;

    // Assess
    expect(variables('SendSmsLambdaFunction')).toMatchObject({
      SECONDARY_SMS_PROVIDER: 'aws-sms',
      AWS_SMS_ORIGINATION_IDENTITY: 'arn:aws:sms-voice:us-east-1:111122223333:pool/pool-ci',
      AWS_SMS_CONFIGURATION_SET: 'receipt-driven-sms-ci',
      PRIMARY_BREAKER_THRESHOLD: '5',
      PRIMARY_BREAKER_WINDOW_SECONDS: '60',
      PRIMARY_BREAKER_OPEN_SECONDS: '60',
    });
    expect(variables('DecideNextLambdaFunction')).toMatchObject({ SECONDARY_SMS_PROVIDER: 'aws-sms' });
  });

  it('routes only this stage’s secondary delivery events to the receipts queue, which only that rule may fill', () => {
    // Prepare
    const rule = resourceNamed(template, 'SecondarySmsEventsRule') as unknown as {
      Condition?: string;
      Properties: { EventPattern: unknown; Targets: { Arn: unknown }[] };
    };
    const policy = resourceNamed(template, 'ReceiptsQueuePolicy') as unknown as {
      Properties: { PolicyDocument: { Statement: unknown[] } };
    };

    // Assess
    expect(rule.Condition).toBe('SecondarySmsEnabled');
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.sms-voice'],
      'detail-type': ['Text Message Delivery Status Updated'],
      detail: { context: { stage: ['ci'] } },
    });
    expect(rule.Properties.Targets).toEqual([
      { Id: 'receipts-queue', Arn: { 'Fn::GetAtt': ['ReceiptsQueue', 'Arn'] } },
    ]);
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': ['ReceiptsQueue', 'Arn'] },
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['SecondarySmsEventsRule', 'Arn'] } } },
      },
    ]);
  });

  it('limits the Sinch credentials read to the one parameter, and SES to the configured sender', () => {
    const ssm = statementsOf('SendSmsRole').find((s) => actionsOf(s).includes('ssm:GetParameters'));
    const ses = statementsOf('SendEmailRole').find((s) => actionsOf(s).includes('ses:SendEmail'));

    expect(JSON.stringify(ssm?.Resource)).toContain('parameter/receipt-driven-sms/ci/sinch-credentials');
    expect((ses as { Condition?: unknown } | undefined)?.Condition).toEqual({
      StringEquals: { 'ses:FromAddress': expect.anything() },
    });
  });

  it('sends from the display name, and pins ses:FromAddress to the bare address SES matches it against', () => {
    // Prepare: the ci stage's emailFrom is "Receipt-driven SMS CI <codes@ci.example.com>".
    const ses = statementsOf('SendEmailRole').find((s) => actionsOf(s).includes('ses:SendEmail')) as
      { Condition: { StringEquals: Record<string, unknown> } } | undefined;
    const variables = (
      resourceNamed(template, 'SendEmailLambdaFunction').Properties?.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;

    // Act
    const fromAddress = evaluate(ses?.Condition.StringEquals['ses:FromAddress']);

    // Assess
    expect(variables.EMAIL_FROM).toBe('Receipt-driven SMS CI <codes@ci.example.com>');
    expect(fromAddress).toBe('codes@ci.example.com');
    expect(fromAddress).toBe(senderAddress(String(variables.EMAIL_FROM)));
  });
});
