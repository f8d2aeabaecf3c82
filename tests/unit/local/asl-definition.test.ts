import {
  functionArn,
  loadAslDefinition,
  parseAslYaml,
  resolveDeploymentValues,
  type DeploymentVariables,
} from '../../../local/asl-definition';

const VARIABLES: DeploymentVariables = {
  service: 'receipt-driven-sms',
  stage: 'dev',
  region: 'eu-west-1',
  accountId: '123456789012',
  params: { retries: 3, bus: 'default' },
};

describe('resolveDeploymentValues', () => {
  it('substitutes Serverless variables, keeping the type of a value that is one variable', () => {
    const resolved = resolveDeploymentValues(
      { MaxAttempts: '${param:retries}', Name: '${self:service}-${sls:stage}', Bus: 'bus-${param:bus}' },
      VARIABLES,
    );

    expect(resolved).toEqual({ MaxAttempts: 3, Name: 'receipt-driven-sms-dev', Bus: 'bus-default' });
  });

  it('turns a function reference into the ARN the Framework gives the function', () => {
    expect(resolveDeploymentValues({ 'Fn::GetAtt': ['sendSms', 'Arn'] }, VARIABLES)).toBe(
      'arn:aws:lambda:eu-west-1:123456789012:function:receipt-driven-sms-dev-sendSms',
    );
    expect(functionArn('x', VARIABLES)).toBe(
      'arn:aws:lambda:eu-west-1:123456789012:function:receipt-driven-sms-dev-x',
    );
  });

  it('resolves pseudo parameters in Fn::Sub', () => {
    expect(
      resolveDeploymentValues(
        { 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:x' },
        VARIABLES,
      ),
    ).toBe('arn:aws:events:eu-west-1:123456789012:x');
  });

  it('says which variable or intrinsic it cannot resolve', () => {
    expect(() => resolveDeploymentValues('${param:missing}', VARIABLES)).toThrow('${param:missing}');
    expect(() => resolveDeploymentValues('${env:HOME}', VARIABLES)).toThrow('${env:HOME}');
    expect(() => resolveDeploymentValues({ Ref: 'DeliveriesTable' }, VARIABLES)).toThrow('Ref');
  });

  it('leaves JSONPath and intrinsic function strings alone', () => {
    const value = { 'a.$': '$.x', 'b.$': "States.Format('{}', $.y)", c: '$$.Task.Token' };

    expect(resolveDeploymentValues(value, VARIABLES)).toEqual(value);
  });
});

describe('parseAslYaml', () => {
  it('reads CloudFormation short-form tags as their long form', () => {
    expect(parseAslYaml('a: !GetAtt sendSms.Arn\nb: !Ref Table\n')).toEqual({
      a: { 'Fn::GetAtt': ['sendSms', 'Arn'] },
      b: { Ref: 'Table' },
    });
  });
});

describe('loadAslDefinition', () => {
  it('binds each task of the delivery workflow to its function or service action', () => {
    const { tasks } = loadAslDefinition({ file: 'statemachines/delivery.asl.yml', variables: VARIABLES });

    expect(Object.fromEntries([...tasks].map(([name, binding]) => [name, binding.handlerKey]))).toEqual({
      SendSms: 'sendSms',
      DecideNextStep: 'decideNext',
      SendEmail: 'sendEmail',
      RecordOutcome: 'recordOutcome',
      RecordOutcomeAfterError: 'recordOutcome',
    });
    expect(tasks.get('SendSms')).toMatchObject({
      waitForTaskToken: true,
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
    });
  });

  it('refuses a task it could not run locally', () => {
    const definition = {
      StartAt: 'A',
      States: {
        A: { Type: 'Task', Resource: 'arn:aws:states:us-east-1:123456789012:activity:x', End: true },
      },
    };

    expect(() => loadAslDefinition({ definition, variables: VARIABLES })).toThrow('cannot run');
  });
});
