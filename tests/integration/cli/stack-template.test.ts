import { READ_ATTRIBUTES } from '../../../cli/adapters/delivery-reader';
import { STACK_OUTPUTS } from '../../../cli/target';
import {
  PACKAGING_TIMEOUT_MS,
  actionsOf,
  packagedTemplate,
  resourceNamed,
  type CloudFormationTemplate,
} from '../../support/packaged-template';

/**
 * What `receipt-sms --stage` relies on in the deployed stack: the outputs it resolves the stage's
 * resources from, and the two policies support staff get, scoped to this stage's resources.
 */
interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/**
 * What the deliveries table holds that support must never read: the recipient's number, the email
 * (address, subject, text), the message text with the code, the task token that could complete a
 * workflow step, and the request fingerprint that would confirm a guessed number or text.
 */
const PERSONAL_OR_SECRET = ['to', 'email', 'text', 'taskToken', 'requestHash'];

function statementsOf(template: CloudFormationTemplate, policy: string): Statement[] {
  const properties = resourceNamed(template, policy).Properties as {
    PolicyDocument: { Statement: Statement[] };
  };
  return properties.PolicyDocument.Statement;
}

function grants(statements: readonly Statement[]): Record<string, unknown[]> {
  const byAction: Record<string, unknown[]> = {};
  for (const statement of statements) {
    expect(statement.Effect).toBe('Allow');
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    for (const action of actionsOf(statement)) byAction[action] = [...(byAction[action] ?? []), ...resources];
  }
  return byAction;
}

describe('packaged template: support CLI', () => {
  let template: CloudFormationTemplate;

  beforeAll(async () => {
    template = await packagedTemplate('ci');
  }, PACKAGING_TIMEOUT_MS);

  it('outputs every value receipt-sms resolves a stage from', () => {
    expect(Object.keys(template.Outputs ?? {})).toEqual(expect.arrayContaining(Object.values(STACK_OUTPUTS)));
    expect(template.Outputs?.[STACK_OUTPUTS.deliveriesTable]?.Value).toEqual({ Ref: 'DeliveriesTable' });
    expect(template.Outputs?.[STACK_OUTPUTS.receiptsDlqUrl]?.Value).toEqual({ Ref: 'ReceiptsDlq' });
    expect(template.Outputs?.[STACK_OUTPUTS.stateMachineArn]?.Value).toEqual({ Ref: 'DeliveryStateMachine' });
  });

  it('lets support read deliveries, histories and parked receipts of this stage only', () => {
    const table = { 'Fn::GetAtt': ['DeliveriesTable', 'Arn'] };
    const dlq = { 'Fn::GetAtt': ['ReceiptsDlq', 'Arn'] };

    expect(grants(statementsOf(template, 'SupportReadPolicy'))).toEqual({
      'cloudformation:DescribeStacks': [{ Ref: 'AWS::StackId' }],
      'dynamodb:Query': [
        table,
        { 'Fn::Sub': '${DeliveriesTable.Arn}/index/byMessage' },
        { 'Fn::Sub': '${DeliveriesTable.Arn}/index/byRecipient' },
      ],
      'dynamodb:Scan': [table],
      'states:DescribeExecution': [
        {
          'Fn::Sub':
            'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:receipt-driven-sms-ci-delivery:*',
        },
      ],
      'states:GetExecutionHistory': [expect.anything()],
      'ssm:GetParameter': [
        {
          'Fn::Sub':
            'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/receipt-driven-sms/ci/recipient-hash-key',
        },
      ],
      'sqs:ReceiveMessage': [dlq],
      'sqs:ChangeMessageVisibility': [dlq],
      'sqs:GetQueueAttributes': [dlq],
    });
  });

  it('lets a redrive delete only from the DLQ and send only to the receipts queue', () => {
    expect(grants(statementsOf(template, 'SupportRedrivePolicy'))).toEqual({
      'sqs:DeleteMessage': [{ 'Fn::GetAtt': ['ReceiptsDlq', 'Arn'] }],
      'sqs:SendMessage': [{ 'Fn::GetAtt': ['ReceiptsQueue', 'Arn'] }],
    });
  });

  describe('DynamoDB fine-grained access for support', () => {
    const dynamoStatements = () =>
      statementsOf(template, 'SupportReadPolicy').filter((s) =>
        actionsOf(s).some((action) => action.startsWith('dynamodb:')),
      );

    it('grants Query and Scan only for named attributes, with a projection', () => {
      // Prepare
      const statements = dynamoStatements();

      // Assess
      expect(statements.flatMap(actionsOf).sort()).toEqual(['dynamodb:Query', 'dynamodb:Scan']);
      for (const statement of statements) {
        expect(statement.Condition).toEqual({
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': expect.any(Array) },
          StringEquals: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
          Null: { 'dynamodb:Attributes': 'false' },
        });
      }
    });

    it('leaves the number, the email, the text, task tokens and the request fingerprint unreadable', () => {
      for (const statement of dynamoStatements()) {
        const allowed = statement.Condition!['ForAllValues:StringEquals']!['dynamodb:Attributes'];
        for (const attribute of PERSONAL_OR_SECRET) expect(allowed).not.toContain(attribute);
      }
    });

    it('allows exactly the attributes the CLI and the console read, so the two cannot drift', () => {
      for (const statement of dynamoStatements()) {
        const allowed = statement.Condition!['ForAllValues:StringEquals']!['dynamodb:Attributes'] as string[];
        expect([...allowed].sort()).toEqual([...READ_ATTRIBUTES].sort());
      }
    });
  });
});
