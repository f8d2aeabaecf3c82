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
 * What `sls package --stage ci` would deploy for the receipt processor: an SQS event source that reports
 * partial batch failures, a timeout the queue's visibility timeout covers six times, and a role that can
 * do nothing but its job.
 */
describe('packaged template: processor', () => {
  let template: CloudFormationTemplate;

  beforeAll(async () => {
    template = await packagedTemplate('ci');
  }, PACKAGING_TIMEOUT_MS);

  const processorStatements = () =>
    iamStatements(template).filter((statement) => statement.path.startsWith('Resources.ProcessorRole.'));

  it('consumes the receipts queue in batches of 10 and reports failed records one by one', () => {
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(
      ([, mapping]) =>
        JSON.stringify(mapping.Properties?.FunctionName) ===
        JSON.stringify({ 'Fn::GetAtt': ['ProcessorLambdaFunction', 'Arn'] }),
    );

    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.[1].Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['ReceiptsQueue', 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(mappings[0]?.[1].Properties?.MaximumBatchingWindowInSeconds).toBeLessThanOrEqual(5);
  });

  it('caps the event source’s concurrency instead of reserving the function’s (docs/capacity.md)', () => {
    const [mapping] = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(
      ([, m]) =>
        JSON.stringify(m.Properties?.FunctionName) ===
        JSON.stringify({ 'Fn::GetAtt': ['ProcessorLambdaFunction', 'Arn'] }),
    );
    const maximum = Number(
      (mapping?.[1].Properties?.ScalingConfig as { MaximumConcurrency?: unknown } | undefined)
        ?.MaximumConcurrency,
    );

    // AWS accepts 2–1,000; reserved concurrency would throttle batches back onto the queue as extra receives.
    expect(maximum).toBeGreaterThanOrEqual(2);
    expect(maximum).toBeLessThanOrEqual(1000);
    expect(resourceNamed(template, 'ProcessorLambdaFunction').Properties).not.toHaveProperty(
      'ReservedConcurrentExecutions',
    );
  });

  it('times out well inside the queue visibility timeout (at most a sixth of it)', () => {
    const timeout = resourceNamed(template, 'ProcessorLambdaFunction').Properties?.Timeout as number;
    const visibility = resourceNamed(template, 'ReceiptsQueue').Properties?.VisibilityTimeout as number;

    expect(timeout).toBeLessThanOrEqual(30);
    expect(visibility).toBeGreaterThanOrEqual(6 * timeout);
  });

  it('parks orphans before the redrive policy would move them without a reason', () => {
    const variables = (
      resourceNamed(template, 'ProcessorLambdaFunction').Properties?.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    const redrive = resourceNamed(template, 'ReceiptsQueue').Properties?.RedrivePolicy as {
      maxReceiveCount: number;
    };

    expect(variables).toMatchObject({
      STAGE: 'ci',
      DELIVERIES_TABLE: { Ref: 'DeliveriesTable' },
      RECEIPTS_QUEUE_URL: { Ref: 'ReceiptsQueue' },
      RECEIPTS_DLQ_URL: { Ref: 'ReceiptsDlq' },
      ORPHANS_QUEUE_URL: { Ref: 'ReceiptsOrphansQueue' },
    });
    expect(Number(variables.RECEIPTS_ORPHAN_AFTER_RECEIVES)).toBeLessThan(Number(redrive.maxReceiveCount));
  });

  it('runs with its own role, which grants each action on its own resource only', () => {
    const grants = processorStatements().map((statement) => [
      actionsOf(statement).sort(),
      statement.Resource,
    ]);

    expect(resourceNamed(template, 'ProcessorLambdaFunction').Properties?.Role).toEqual({
      'Fn::GetAtt': ['ProcessorRole', 'Arn'],
    });
    expect(grants).toEqual(
      expect.arrayContaining([
        [
          [
            'sqs:ChangeMessageVisibility',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
            'sqs:ReceiveMessage',
          ],
          { 'Fn::GetAtt': ['ReceiptsQueue', 'Arn'] },
        ],
        [['sqs:SendMessage'], { 'Fn::GetAtt': ['ReceiptsDlq', 'Arn'] }],
        [['sqs:SendMessage'], { 'Fn::GetAtt': ['ReceiptsOrphansQueue', 'Arn'] }],
        [['dynamodb:Query'], { 'Fn::Sub': '${DeliveriesTable.Arn}/index/byMessage' }],
        [['dynamodb:GetItem', 'dynamodb:UpdateItem'], { 'Fn::GetAtt': ['DeliveriesTable', 'Arn'] }],
        [['states:SendTaskFailure', 'states:SendTaskSuccess'], { Ref: 'DeliveryStateMachine' }],
      ]),
    );
  });

  it('sets orphans aside on a queue of their own: no redrive into it, nothing consuming it, and no DLQ alarm on it', () => {
    const orphans = resourceNamed(template, 'ReceiptsOrphansQueue').Properties ?? {};
    const consumers = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(
      ([, mapping]) =>
        JSON.stringify(mapping.Properties?.EventSourceArn) ===
        JSON.stringify({ 'Fn::GetAtt': ['ReceiptsOrphansQueue', 'Arn'] }),
    );

    expect(orphans).toMatchObject({ MaximumMessageSize: 1_048_576, SqsManagedSseEnabled: true });
    expect(orphans).not.toHaveProperty('RedrivePolicy');
    expect(consumers).toEqual([]);
    expect(JSON.stringify(resourceNamed(template, 'ReceiptsDlqNotEmptyAlarm'))).not.toContain(
      'ReceiptsOrphansQueue',
    );
    expect(template.Outputs?.ReceiptsOrphansQueueUrl?.Value).toEqual({ Ref: 'ReceiptsOrphansQueue' });
  });

  it('uses no wildcard action and no wildcard resource', () => {
    for (const statement of processorStatements()) {
      expect(actionsOf(statement).filter((action) => action.includes('*'))).toEqual([]);
      expect(statement.Resource).not.toBe('*');
    }
  });
});
