import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  PACKAGING_TIMEOUT_MS,
  actionsOf,
  iamStatements,
  packagedTemplate,
  resourceNamed,
  resourcesOfType,
  type CloudFormationTemplate,
  type FoundStatement,
} from '../../support/packaged-template';

/**
 * Least privilege across EVERY IAM policy of the packaged template: the functions' roles, the state machine
 * role serverless-step-functions generates, the managed policies for callers and support staff, and any
 * resource policy. An `Allow` may name no wildcard action, and a wildcard resource only where AWS offers no
 * narrower one; each such exception is listed below with the reason, and in docs/operations.md
 * ("IAM exceptions"). `Deny` statements are not checked for breadth: a broad deny only takes access away.
 */

const STAGE = 'ci';
const SERVICE = 'receipt-driven-sms';

/**
 * Actions that may be allowed on `Resource: '*'`, because AWS defines no resource type for them (IAM
 * Service Authorization Reference). Nothing else may use `*`.
 */
const UNSCOPED_ACTIONS: Readonly<Record<string, string>> = {
  // Step Functions writes its execution log through CloudWatch Logs' vended log delivery. These are the
  // actions AWS documents for a state machine's role with logging on; the delivery APIs have no resource
  // type. serverless-step-functions generates the statement from `loggingConfig`.
  'logs:CreateLogDelivery': 'vended log delivery for the state machine log; no resource type',
  'logs:GetLogDelivery': 'vended log delivery for the state machine log; no resource type',
  'logs:UpdateLogDelivery': 'vended log delivery for the state machine log; no resource type',
  'logs:DeleteLogDelivery': 'vended log delivery for the state machine log; no resource type',
  'logs:ListLogDeliveries': 'vended log delivery for the state machine log; no resource type',
  'logs:PutResourcePolicy': 'lets the delivery write to the log group; account-level, no resource type',
  'logs:DescribeResourcePolicies': 'account-level listing, no resource type',
  'logs:DescribeLogGroups': 'the delivery checks its destination; listing, granted on * as AWS documents',
  // X-Ray tracing (state machine `tracingConfig`): X-Ray has no resource-level permissions for these.
  'xray:PutTraceSegments': 'X-Ray has no resource-level permissions',
  'xray:PutTelemetryRecords': 'X-Ray has no resource-level permissions',
  'xray:GetSamplingRules': 'X-Ray has no resource-level permissions',
  'xray:GetSamplingTargets': 'X-Ray has no resource-level permissions',
};

/**
 * AWS managed policies a role may attach. The functions trace with X-Ray (`provider.tracing.lambda`);
 * AWSXRayDaemonWriteAccess grants the same X-Ray actions (and GetSamplingStatisticSummaries) on `*`.
 */
const ALLOWED_MANAGED_POLICIES: readonly string[] = ['AWSXRayDaemonWriteAccess'];

/**
 * A `*` inside an ARN is allowed where it ranges over children of ONE resource that cannot be named in
 * advance. The pattern is matched against the `Fn::Sub` template of the resource.
 */
const SCOPED_WILDCARDS: readonly {
  readonly pattern: RegExp;
  readonly why: string;
  readonly condition?: string;
}[] = [
  {
    pattern:
      /^arn:\$\{AWS::Partition\}:logs:\$\{AWS::Region\}:\$\{AWS::AccountId\}:log-group:\/aws\/lambda\/[\w-]+:\*$/,
    why: "the log streams of one function's own log group; Lambda names the streams",
  },
  {
    pattern: new RegExp(
      `^arn:\\$\\{AWS::Partition\\}:states:\\$\\{AWS::Region\\}:\\$\\{AWS::AccountId\\}:execution:${SERVICE}-${STAGE}-delivery:\\*$`,
    ),
    why: 'the executions of the one delivery state machine; each is named after its delivery id',
  },
  {
    pattern: /^\$\{functionArn\}:\*$/,
    why: 'the versions and aliases of one task function (serverless-step-functions adds them)',
  },
  {
    pattern: /^arn:\$\{AWS::Partition\}:ses:\$\{AWS::Region\}:\$\{AWS::AccountId\}:identity\/\*$/,
    why: 'the SES identity may be the address or its domain; the condition pins the one sender address',
    condition: 'ses:FromAddress',
  },
];

/** A resource of a statement as text: a literal ARN, the template of a `Fn::Sub`, or a `Ref`/`GetAtt` name. */
function resourceText(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  if (typeof resource !== 'object' || resource === null) return String(resource);
  const record = resource as Record<string, unknown>;
  const sub = record['Fn::Sub'];
  if (typeof sub === 'string') return sub;
  if (Array.isArray(sub)) return String(sub[0]);
  const join = record['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) return join[1].map(resourceText).join(join[0]);
  if (record.Ref !== undefined) return `{Ref ${String(record.Ref)}}`;
  if (record['Fn::GetAtt'] !== undefined) return `{GetAtt ${JSON.stringify(record['Fn::GetAtt'])}}`;
  return JSON.stringify(resource);
}

function resourcesOf(statement: FoundStatement): unknown[] {
  const { Resource } = statement;
  if (Resource === undefined) return [];
  return Array.isArray(Resource) ? Resource : [Resource];
}

function conditionKeys(statement: FoundStatement): string[] {
  const condition = (statement.Condition ?? {}) as Record<string, Record<string, unknown>>;
  return Object.values(condition).flatMap((operator) => Object.keys(operator));
}

/** Identity policies and resource policies: everything but a role's trust policy. */
function permissionStatements(template: CloudFormationTemplate): FoundStatement[] {
  return iamStatements(template).filter(
    (statement) => !statement.path.includes('.AssumeRolePolicyDocument.'),
  );
}

function ownerOf(statement: FoundStatement): string {
  return statement.path.split('.')[1]!;
}

describe('packaged template: least privilege', () => {
  let template: CloudFormationTemplate;

  beforeAll(async () => {
    template = await packagedTemplate(STAGE);
  }, PACKAGING_TIMEOUT_MS);

  const allows = () => permissionStatements(template).filter((statement) => statement.Effect === 'Allow');

  it('finds every kind of policy: function roles, the state machine role, managed policies', () => {
    const owners = new Set(allows().map(ownerOf));

    expect(owners).toEqual(
      expect.objectContaining({
        size:
          resourcesOfType(template, 'AWS::IAM::Role').length +
          resourcesOfType(template, 'AWS::IAM::ManagedPolicy').length +
          resourcesOfType(template, 'AWS::SQS::QueuePolicy').length,
      }),
    );
    expect(owners.has('DeliveryStateMachineRole')).toBe(true);
  });

  it('allows no wildcard action and no NotAction or NotResource', () => {
    const offending = allows().flatMap((statement) => [
      ...actionsOf(statement)
        .filter((action) => action.includes('*'))
        .map((action) => `${statement.path}: ${action}`),
      ...('NotAction' in statement ? [`${statement.path}: NotAction`] : []),
      ...('NotResource' in statement ? [`${statement.path}: NotResource`] : []),
    ]);

    expect(offending).toEqual([]);
  });

  it('allows `*` as a resource only for actions that have no resource type', () => {
    const offending = allows()
      .filter((statement) => resourcesOf(statement).some((resource) => resource === '*'))
      .flatMap((statement) =>
        actionsOf(statement)
          .filter((action) => UNSCOPED_ACTIONS[action] === undefined)
          .map((action) => `${statement.path}: ${action} on *`),
      );

    expect(offending).toEqual([]);
  });

  it('uses a wildcard inside an ARN only for the children of one resource, as listed', () => {
    const offending = allows().flatMap((statement) =>
      resourcesOf(statement)
        .filter((resource) => resource !== '*')
        .map(resourceText)
        .filter((text) => text.includes('*'))
        .filter((text) => {
          const allowed = SCOPED_WILDCARDS.find(({ pattern }) => pattern.test(text));
          return (
            !allowed ||
            (allowed.condition !== undefined && !conditionKeys(statement).includes(allowed.condition))
          );
        })
        .map((text) => `${statement.path}: ${text}`),
    );

    expect(offending).toEqual([]);
  });

  it('grants nothing to everyone: no `*` principal in an allowing resource policy, and only the ingress URL is public', () => {
    const everyone = allows().filter((statement) =>
      JSON.stringify(statement.Principal ?? null).includes('"*"'),
    );
    const publicPermissions = resourcesOfType(template, 'AWS::Lambda::Permission')
      .map(([, permission]) => permission.Properties ?? {})
      .filter((properties) => properties.Principal === '*');

    expect(everyone).toEqual([]);
    expect(publicPermissions).toHaveLength(2);
    for (const permission of publicPermissions) {
      expect(permission.FunctionName).toEqual({ 'Fn::GetAtt': ['IngressLambdaFunction', 'Arn'] });
      expect(permission.FunctionUrlAuthType === 'NONE' || permission.InvokedViaFunctionUrl === true).toBe(
        true,
      );
    }
  });

  it('attaches no AWS managed policy but the X-Ray write access', () => {
    const attached = resourcesOfType(template, 'AWS::IAM::Role').flatMap(([, role]) =>
      ((role.Properties?.ManagedPolicyArns ?? []) as unknown[]).map((arn) => resourceText(arn)),
    );

    for (const arn of attached) {
      expect(
        ALLOWED_MANAGED_POLICIES.map((name) => `arn:\${AWS::Partition}:iam::aws:policy/${name}`),
      ).toContain(arn);
    }
  });

  it('gives every function a role of its own, trusted by Lambda alone, and shares no role', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    const roles = functions.map(([id, fn]) => {
      const [role, attribute] = (fn.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
      return { fn: id, role, attribute };
    });

    expect(template.Resources).not.toHaveProperty('IamRoleLambdaExecution');
    expect(new Set(roles.map(({ role }) => role)).size).toBe(functions.length);
    for (const { fn, role, attribute } of roles) {
      const trust = resourceNamed(template, role).Properties?.AssumeRolePolicyDocument as {
        Statement: { Principal: unknown; Action: unknown }[];
      };
      const users = Object.entries(template.Resources)
        .filter(
          ([id, resource]) => id !== role && JSON.stringify(resource.Properties ?? {}).includes(`"${role}"`),
        )
        .map(([id]) => id);

      expect(attribute).toBe('Arn');
      expect(trust.Statement).toEqual([
        expect.objectContaining({ Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }),
      ]);
      expect([role, users]).toEqual([role, [fn]]);
    }
  });

  it('lets each function write only to its own log group', () => {
    for (const [, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
      const [role] = (fn.Properties?.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'];
      const logStatements = allows().filter(
        (statement) =>
          ownerOf(statement) === role && actionsOf(statement).some((action) => action.startsWith('logs:')),
      );

      expect(logStatements).toHaveLength(1);
      expect(resourcesOf(logStatements[0]!).map(resourceText)).toEqual([
        `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${String(fn.Properties?.FunctionName)}:*`,
      ]);
    }
  });

  it('lets the workflow invoke its four task functions only, and RecordOutcome publish to the default bus only', () => {
    const statements = allows().filter((statement) => ownerOf(statement) === 'DeliveryStateMachineRole');
    const invoked = statements
      .filter((statement) => actionsOf(statement).includes('lambda:InvokeFunction'))
      .flatMap(resourcesOf)
      .map((resource) => JSON.stringify(resource).match(/"(\w+LambdaFunction)"/)?.[1]);
    const published = allows()
      .filter((statement) => actionsOf(statement).includes('events:PutEvents'))
      .map((statement) => [ownerOf(statement), resourcesOf(statement)]);

    expect([...new Set(invoked)].sort()).toEqual([
      'DecideNextLambdaFunction',
      'RecordOutcomeLambdaFunction',
      'SendEmailLambdaFunction',
      'SendSmsLambdaFunction',
    ]);
    expect(published).toEqual([
      [
        'RecordOutcomeRole',
        [{ 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default' }],
      ],
    ]);
  });

  it('documents every exception in docs/operations.md', () => {
    const operations = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'operations.md'), 'utf8');

    for (const name of [...Object.keys(UNSCOPED_ACTIONS), ...ALLOWED_MANAGED_POLICIES]) {
      expect([name, operations.includes(`\`${name}\``)]).toEqual([name, true]);
    }
  });
});
