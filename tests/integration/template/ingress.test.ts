import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  PACKAGING_TIMEOUT_MS,
  actionsOf,
  iamStatements,
  packagedDirectory,
  packagedTemplate,
  resourceNamed,
  resourcesOfType,
  type CloudFormationTemplate,
} from '../../support/packaged-template';

/**
 * What `sls package --stage ci` would deploy for the ingress: a public Function URL that can actually be
 * invoked, a receipts queue that cannot lose a message, and a role that can do nothing but its job.
 */
describe('packaged template: ingress', () => {
  let template: CloudFormationTemplate;

  beforeAll(async () => {
    template = await packagedTemplate('ci');
  }, PACKAGING_TIMEOUT_MS);

  describe('Function URL', () => {
    it('exposes the ingress function through a Function URL with AuthType NONE (Sinch signs, it cannot sign AWS requests)', () => {
      const urls = resourcesOfType(template, 'AWS::Lambda::Url').filter(
        ([, url]) =>
          JSON.stringify(url.Properties?.TargetFunctionArn) ===
          JSON.stringify({ 'Fn::GetAtt': ['IngressLambdaFunction', 'Arn'] }),
      );

      expect(urls).toHaveLength(1);
      expect(urls[0]?.[1].Properties?.AuthType).toBe('NONE');
    });

    it('grants both permissions a public Function URL needs: InvokeFunctionUrl and InvokeFunction via the URL', () => {
      const permissions = resourcesOfType(template, 'AWS::Lambda::Permission')
        .map(([, permission]) => permission.Properties ?? {})
        .filter((properties) => JSON.stringify(properties.FunctionName).includes('IngressLambdaFunction'));

      expect(permissions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Action: 'lambda:InvokeFunctionUrl',
            Principal: '*',
            FunctionUrlAuthType: 'NONE',
          }),
          expect.objectContaining({
            Action: 'lambda:InvokeFunction',
            Principal: '*',
            InvokedViaFunctionUrl: true,
          }),
        ]),
      );
    });

    it('publishes the URL as the IngressUrl output', () => {
      expect(template.Outputs?.IngressUrl?.Value).toEqual({
        'Fn::GetAtt': ['IngressLambdaFunctionUrl', 'FunctionUrl'],
      });
    });
  });

  describe('ingress function', () => {
    it('runs on nodejs24.x arm64 with its own role and the settings lib/config reads', () => {
      const properties = resourceNamed(template, 'IngressLambdaFunction').Properties ?? {};

      expect(properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Role: { 'Fn::GetAtt': ['IngressRole', 'Arn'] },
      });
      expect(properties.Environment).toEqual({
        Variables: expect.objectContaining({
          STAGE: 'ci',
          WEBHOOK_SECRETS_PARAM: '/receipt-driven-sms/ci/sinch-webhook-secrets',
          WEBHOOK_MAX_AGE_SECONDS: '86400',
          WEBHOOK_MAX_FUTURE_SECONDS: '300',
          RECEIPTS_QUEUE_URL: { Ref: 'ReceiptsQueue' },
          RECEIPTS_DLQ_URL: { Ref: 'ReceiptsDlq' },
        }),
      });
    });

    it('accepts signatures a day old, for Sinch retries, but only five minutes ahead (decision 0009)', () => {
      const variables = (
        resourceNamed(template, 'IngressLambdaFunction').Properties?.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;

      expect(Number(variables.WEBHOOK_MAX_AGE_SECONDS)).toBeGreaterThanOrEqual(81_920);
      expect(Number(variables.WEBHOOK_MAX_FUTURE_SECONDS)).toBeLessThanOrEqual(300);
      expect(variables).not.toHaveProperty('WEBHOOK_TOLERANCE_SECONDS');
    });

    it('reserves a bounded concurrency, so a flood on the public URL cannot starve the workflow (docs/capacity.md)', () => {
      const reserved = resourceNamed(template, 'IngressLambdaFunction').Properties
        ?.ReservedConcurrentExecutions;

      // Above Sinch's default callback rate (25/s at ~100 ms a call needs 3), well below the account's 1,000.
      expect(Number(reserved)).toBeGreaterThanOrEqual(10);
      expect(Number(reserved)).toBeLessThanOrEqual(100);
    });
  });

  describe('receipts queue', () => {
    it('redrives to the DLQ after a bounded number of receives', () => {
      const redrive = resourceNamed(template, 'ReceiptsQueue').Properties?.RedrivePolicy as Record<
        string,
        unknown
      >;

      expect(redrive.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': ['ReceiptsDlq', 'Arn'] });
      expect(Number(redrive.maxReceiveCount)).toBeGreaterThanOrEqual(1);
      expect(Number(redrive.maxReceiveCount)).toBeLessThanOrEqual(10);
    });

    it('keeps parked messages in the DLQ, and orphans in their own queue, for the 14-day maximum', () => {
      expect(resourceNamed(template, 'ReceiptsDlq').Properties?.MessageRetentionPeriod).toBe(
        14 * 24 * 60 * 60,
      );
      expect(resourceNamed(template, 'ReceiptsOrphansQueue').Properties?.MessageRetentionPeriod).toBe(
        14 * 24 * 60 * 60,
      );
    });

    it('accepts envelopes up to 1 MiB on both queues', () => {
      expect(resourceNamed(template, 'ReceiptsQueue').Properties?.MaximumMessageSize).toBe(1_048_576);
      expect(resourceNamed(template, 'ReceiptsDlq').Properties?.MaximumMessageSize).toBe(1_048_576);
    });
  });

  describe('IngressRole', () => {
    const ingressStatements = () =>
      iamStatements(template).filter(
        (statement) => statement.path.startsWith('Resources.IngressRole.') && statement.Effect === 'Allow',
      );
    const statementsWith = (action: string) =>
      ingressStatements().filter((statement) => actionsOf(statement).includes(action));

    it('reads exactly the one webhook secrets parameter, with the action the SSM middleware calls', () => {
      const statements = statementsWith('ssm:GetParameters');

      expect(statements).toHaveLength(1);
      expect(statements[0]?.Resource).toEqual({
        'Fn::Sub':
          'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/receipt-driven-sms/ci/sinch-webhook-secrets',
      });
    });

    it('sends only to the receipts queue and its DLQ', () => {
      const statements = statementsWith('sqs:SendMessage');

      expect(statements).toHaveLength(1);
      expect(statements[0]?.Resource).toEqual([
        { 'Fn::GetAtt': ['ReceiptsQueue', 'Arn'] },
        { 'Fn::GetAtt': ['ReceiptsDlq', 'Arn'] },
      ]);
    });

    it('is allowed nothing else besides writing its own log group and assuming the Lambda role', () => {
      const actions = ingressStatements().flatMap(actionsOf).sort();

      expect(actions).toEqual([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:SendMessage',
        'ssm:GetParameters',
        'sts:AssumeRole',
      ]);
    });
  });

  it('allows no wildcard action anywhere in the template', () => {
    // The framework's deployment-bucket policy denies s3:* without TLS: a Deny, so it is not matched here.
    const wildcards = iamStatements(template)
      .filter((statement) => statement.Effect === 'Allow')
      .flatMap((statement) =>
        actionsOf(statement)
          .filter((action) => action === '*' || action.endsWith(':*'))
          .map((action) => `${statement.path}: ${action}`),
      );

    expect(wildcards).toEqual([]);
    expect(
      iamStatements(template).filter((statement) => statement.Effect === 'Allow' && statement.NotAction),
    ).toEqual([]);
  });

  it('bundles only the AWS SDK clients the ingress calls: SSM and SQS', async () => {
    // The packaged source map lists every module the bundle holds (its sources, without their content).
    const map = execFileSync('unzip', [
      '-p',
      join(await packagedDirectory('ci'), 'ingress.zip'),
      'functions/ingress.js.map',
    ]);
    const clients = new Set(
      (JSON.parse(map.toString('utf8')) as { sources: string[] }).sources
        .map((source) => /node_modules\/@aws-sdk\/((?:client|lib)-[^/]+)\//.exec(source)?.[1])
        .filter((name) => name !== undefined),
    );

    expect([...clients].sort()).toEqual(['client-sqs', 'client-ssm']);
  });
});
