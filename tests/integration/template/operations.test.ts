import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUTCOMES } from '../../../lib/table/delivery-model';
import {
  PACKAGING_TIMEOUT_MS,
  packagedTemplate,
  resourceNamed,
  resourcesOfType,
  type CloudFormationResource,
  type CloudFormationTemplate,
} from '../../support/packaged-template';
import { METRIC_CATALOGUE } from '../../support/metric-catalogue';

/**
 * What `sls package --stage ci` would deploy to operate a stage: log settings, retention, the alarm topic,
 * the alarms and the dashboard. Metric names and dimensions are checked against what the code publishes
 * (tests/support/metric-catalogue.ts), so an alarm can never watch a metric nobody emits.
 */

const STAGE = 'ci';
/** `params.ci` and `params.default` in serverless.yml. */
const CI = { logLevel: 'DEBUG', logRetentionDays: 1, retentionDays: 30 };
const SERVICE = 'receipt-driven-sms';
const NAMESPACE = `ReceiptDrivenSms/${STAGE}`;
const DLQ_RETENTION_SECONDS = 14 * 24 * 60 * 60;
/** The alarm thresholds in `params.default`. */
const THRESHOLDS = {
  undeliverableRate: 10,
  expiredRate: 5,
  outcomeRateMinDeliveries: 20,
  emailFailures: 1,
  lambdaThrottles: 5,
  stepFunctionsThrottles: 5,
  receiptsQueueAge: 60,
  orphanReceipts: 10,
};
const OPERATIONS_DOC = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'operations.md'), 'utf8');

interface AlarmProperties {
  readonly AlarmName?: string;
  readonly AlarmDescription?: string;
  readonly AlarmActions?: unknown[];
  readonly OKActions?: unknown[];
  readonly Namespace?: string;
  readonly MetricName?: string;
  readonly Dimensions?: { Name: string; Value: unknown }[];
  readonly Metrics?: {
    Id: string;
    Expression?: string;
    ReturnData?: boolean;
    MetricStat?: {
      Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: unknown }[] };
    };
  }[];
  readonly Threshold?: unknown;
  readonly ComparisonOperator?: string;
  readonly TreatMissingData?: string;
}

/** One metric an alarm or a dashboard widget reads. `dimensions` is absent for a SEARCH or SCHEMA query. */
interface MetricReference {
  readonly where: string;
  readonly namespace: string;
  readonly name: string;
  readonly dimensionKeys: readonly string[];
  readonly dimensions?: Readonly<Record<string, unknown>>;
}

interface DashboardWidget {
  readonly type: string;
  readonly properties: {
    readonly title?: string;
    readonly alarms?: string[];
    readonly metrics?: unknown[][];
  };
}

const SEARCH = /SEARCH\('\{([^,}]+),([^}]*)\} MetricName="([^"]+)"'/;
const SCHEMA = /SELECT \w+\((\w+)\) FROM SCHEMA\("([^"]+)"((?:, *\w+)*)\)/;

function alarms(template: CloudFormationTemplate): [string, AlarmProperties][] {
  return resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([id, alarm]) => [
    id,
    alarm.Properties as AlarmProperties,
  ]);
}

/** The expression an alarm built from several queries compares with its threshold. */
function returnedExpression(alarm: AlarmProperties): string | undefined {
  return alarm.Metrics?.find((query) => query.ReturnData === true)?.Expression;
}

/** The `Id` of every metric an alarm retrieves (its `MetricStat` queries). */
function metricIds(alarm: AlarmProperties): string[] {
  return (alarm.Metrics ?? []).filter((query) => query.MetricStat).map((query) => query.Id);
}

function dimensionsOf(list: { Name: string; Value: unknown }[] = []): Record<string, unknown> {
  return Object.fromEntries(list.map(({ Name, Value }) => [Name, Value]));
}

function alarmReferences(id: string, alarm: AlarmProperties): MetricReference[] {
  if (alarm.MetricName && alarm.Namespace) {
    const dimensions = dimensionsOf(alarm.Dimensions);
    return [
      {
        where: id,
        namespace: alarm.Namespace,
        name: alarm.MetricName,
        dimensionKeys: Object.keys(dimensions),
        dimensions,
      },
    ];
  }
  return (alarm.Metrics ?? []).flatMap((query): MetricReference[] => {
    if (query.MetricStat) {
      const { Namespace, MetricName, Dimensions } = query.MetricStat.Metric;
      const dimensions = dimensionsOf(Dimensions);
      return [
        {
          where: id,
          namespace: Namespace,
          name: MetricName,
          dimensionKeys: Object.keys(dimensions),
          dimensions,
        },
      ];
    }
    const schema = SCHEMA.exec(query.Expression ?? '');
    if (!schema) return [];
    const keys = schema[3]!
      .split(',')
      .map((key) => key.trim())
      .filter(Boolean);
    return [{ where: id, namespace: schema[2]!, name: schema[1]!, dimensionKeys: keys }];
  });
}

/**
 * The dashboard body with its `Fn::Sub` variables filled in and every `${Resource}` / `${Resource.Attr}`
 * replaced by a marker, after checking that the resource exists.
 */
function dashboard(template: CloudFormationTemplate): { widgets: DashboardWidget[] } {
  const body = resourceNamed(template, 'OperationsDashboard').Properties?.DashboardBody as {
    'Fn::Sub': [string, Record<string, string>];
  };
  const [text, variables] = body['Fn::Sub'];
  const filled = text.replace(/\$\{([^}]+)\}/g, (_match, name: string) => {
    const variable = variables[name];
    if (variable !== undefined) return variable;
    if (!name.startsWith('AWS::')) resourceNamed(template, name.split('.')[0]!);
    return `<${name}>`;
  });
  return JSON.parse(filled) as { widgets: DashboardWidget[] };
}

function dashboardReferences(widgets: readonly DashboardWidget[]): MetricReference[] {
  return widgets.flatMap((widget) =>
    (widget.properties.metrics ?? []).flatMap((row): MetricReference[] => {
      const where = `dashboard "${widget.properties.title}"`;
      const [first] = row;
      if (typeof first === 'object' && first !== null) {
        const search = SEARCH.exec(String((first as { expression?: string }).expression));
        if (!search) return [];
        const keys = search[2]!.split(',').map((key) => key.trim());
        return [{ where, namespace: search[1]!, name: search[3]!, dimensionKeys: keys }];
      }
      const strings = row.filter((cell): cell is string => typeof cell === 'string');
      const [namespace, name, ...pairs] = strings;
      const dimensions: Record<string, string> = {};
      for (let index = 0; index < pairs.length; index += 2) dimensions[pairs[index]!] = pairs[index + 1]!;
      return [
        { where, namespace: namespace!, name: name!, dimensionKeys: Object.keys(dimensions), dimensions },
      ];
    }),
  );
}

function functionEnvironments(template: CloudFormationTemplate): [string, Record<string, unknown>][] {
  return resourcesOfType(template, 'AWS::Lambda::Function').map(([id, fn]) => [
    id,
    (fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables,
  ]);
}

describe('packaged template: operations', () => {
  let template: CloudFormationTemplate;

  beforeAll(async () => {
    template = await packagedTemplate(STAGE);
  }, PACKAGING_TIMEOUT_MS);

  describe('logs', () => {
    it("logs at the stage's level and never logs an invocation event, in every function", () => {
      const environments = functionEnvironments(template);

      expect(environments).toHaveLength(7);
      for (const [, variables] of environments) {
        expect(variables).toMatchObject({
          STAGE,
          POWERTOOLS_SERVICE_NAME: SERVICE,
          POWERTOOLS_LOG_LEVEL: CI.logLevel,
          POWERTOOLS_LOGGER_LOG_EVENT: 'false',
          POWERTOOLS_METRICS_NAMESPACE: NAMESPACE,
        });
      }
    });

    it("keeps each function's logs and the workflow's for the stage's log retention", () => {
      const groups = resourcesOfType(template, 'AWS::Logs::LogGroup');
      const functions = resourcesOfType(template, 'AWS::Lambda::Function');

      expect(groups.length).toBe(functions.length + 1);
      for (const [, group] of groups) expect(group.Properties?.RetentionInDays).toBe(CI.logRetentionDays);
    });

    it('logs workflow transitions without their data (inputs and outputs stay in the execution history)', () => {
      const logging = resourceNamed(template, 'DeliveryStateMachine').Properties?.LoggingConfiguration;

      expect(logging).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    });
  });

  describe('retention', () => {
    it("expires delivery items through the table's TTL attribute `ttl`, set from the stage's retentionDays", () => {
      const table = resourceNamed(template, 'DeliveriesTable').Properties;
      const send = functionEnvironments(template).find(([id]) => id === 'SendLambdaFunction')?.[1];

      expect(table?.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
      expect(Number(send?.RETENTION_DAYS)).toBe(CI.retentionDays);
    });

    it('keeps point-in-time recovery on for the deliveries table', () => {
      expect(resourceNamed(template, 'DeliveriesTable').Properties?.PointInTimeRecoverySpecification).toEqual(
        {
          PointInTimeRecoveryEnabled: true,
        },
      );
    });

    it('keeps parked receipts 14 days, the longest SQS allows', () => {
      expect(resourceNamed(template, 'ReceiptsDlq').Properties?.MessageRetentionPeriod).toBe(
        DLQ_RETENTION_SECONDS,
      );
    });
  });

  describe('alarms', () => {
    it("sends every alarm to the stage's alarm topic, when it fires and when it clears", () => {
      const all = alarms(template);

      expect(resourceNamed(template, 'AlarmTopic').Type).toBe('AWS::SNS::Topic');
      expect(all.length).toBeGreaterThanOrEqual(14);
      for (const [, alarm] of all) {
        expect(alarm.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
        expect(alarm.OKActions).toEqual([{ Ref: 'AlarmTopic' }]);
        expect(alarm.TreatMissingData).toBe('notBreaching');
      }
    });

    it('subscribes an email address only when the stage sets alarmEmail', () => {
      const subscription: CloudFormationResource = resourceNamed(template, 'AlarmEmailSubscription');
      const conditions = (template as unknown as { Conditions: Record<string, unknown> }).Conditions;

      expect(subscription.Condition).toBe('HasAlarmEmail');
      expect(subscription.Properties).toMatchObject({ TopicArn: { Ref: 'AlarmTopic' }, Protocol: 'email' });
      expect(conditions.HasAlarmEmail).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
    });

    it.each([
      {
        alarm: 'ReceiptsDlqNotEmptyAlarm',
        reads: {
          namespace: 'AWS/SQS',
          name: 'ApproximateNumberOfMessagesVisible',
          dimensions: { QueueName: { 'Fn::GetAtt': ['ReceiptsDlq', 'QueueName'] } },
        },
        fires: { Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' },
      },
      {
        alarm: 'WorkflowExecutionsFailedAlarm',
        reads: {
          namespace: 'AWS/States',
          name: 'ExecutionsFailed',
          dimensions: { StateMachineArn: { Ref: 'DeliveryStateMachine' } },
        },
        fires: { Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' },
      },
      {
        alarm: 'IngressErrorsAlarm',
        reads: {
          namespace: 'AWS/Lambda',
          name: 'Url5xxCount',
          dimensions: { FunctionName: { Ref: 'IngressLambdaFunction' } },
        },
        fires: { Threshold: 5, ComparisonOperator: 'GreaterThanOrEqualToThreshold' },
      },
      {
        alarm: 'WebhookRejectionsAlarm',
        reads: { namespace: NAMESPACE, name: 'ReceiptsRejected' },
        fires: { Threshold: 10, ComparisonOperator: 'GreaterThanOrEqualToThreshold' },
      },
      {
        alarm: 'SinchRejectedAlarm',
        reads: {
          namespace: NAMESPACE,
          name: 'SinchSendErrors',
          dimensions: { service: SERVICE, kind: 'Sinch.Rejected' },
        },
        fires: { Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' },
      },
      {
        alarm: 'SinchConfigFailuresAlarm',
        reads: {
          namespace: NAMESPACE,
          name: 'SmsFailures',
          dimensions: { service: SERVICE, class: 'Config' },
        },
        fires: { Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' },
      },
      {
        alarm: 'ProcessorErrorsAlarm',
        reads: {
          namespace: 'AWS/Lambda',
          name: 'Errors',
          dimensions: { FunctionName: { Ref: 'ProcessorLambdaFunction' } },
        },
        fires: { Threshold: 5, ComparisonOperator: 'GreaterThanOrEqualToThreshold' },
      },
      {
        alarm: 'ProcessorErrorsAlarm',
        reads: { namespace: NAMESPACE, name: 'ReceiptProcessingErrors', dimensions: { service: SERVICE } },
        fires: { Threshold: 5, ComparisonOperator: 'GreaterThanOrEqualToThreshold' },
      },
      {
        alarm: 'UndeliverableRateAlarm',
        reads: {
          namespace: NAMESPACE,
          name: 'Deliveries',
          dimensions: { service: SERVICE, outcome: 'UNDELIVERABLE' },
        },
        fires: {
          Threshold: THRESHOLDS.undeliverableRate,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        },
      },
      {
        alarm: 'ExpiredRateAlarm',
        reads: {
          namespace: NAMESPACE,
          name: 'Deliveries',
          dimensions: { service: SERVICE, outcome: 'EXPIRED' },
        },
        fires: { Threshold: THRESHOLDS.expiredRate, ComparisonOperator: 'GreaterThanOrEqualToThreshold' },
      },
      {
        alarm: 'EmailFailuresAlarm',
        reads: { namespace: NAMESPACE, name: 'EmailFailures', dimensionKeys: ['reason', 'service'] },
        fires: { Threshold: THRESHOLDS.emailFailures, ComparisonOperator: 'GreaterThanOrEqualToThreshold' },
      },
      {
        alarm: 'LambdaThrottlesAlarm',
        reads: {
          namespace: 'AWS/Lambda',
          name: 'Throttles',
          dimensions: { FunctionName: { Ref: 'IngressLambdaFunction' } },
        },
        fires: { Threshold: THRESHOLDS.lambdaThrottles, ComparisonOperator: 'GreaterThanOrEqualToThreshold' },
      },
      {
        alarm: 'ReceiptsQueueAgeAlarm',
        reads: {
          namespace: 'AWS/SQS',
          name: 'ApproximateAgeOfOldestMessage',
          dimensions: { QueueName: { 'Fn::GetAtt': ['ReceiptsQueue', 'QueueName'] } },
        },
        fires: { Threshold: THRESHOLDS.receiptsQueueAge, ComparisonOperator: 'GreaterThanThreshold' },
      },
      ...['StartExecution', 'SendTaskSuccess', 'SendTaskFailure'].map((api) => ({
        alarm: 'StepFunctionsThrottlingAlarm',
        reads: { namespace: 'AWS/States', name: 'ThrottledEvents', dimensions: { APIName: api } },
        fires: {
          Threshold: THRESHOLDS.stepFunctionsThrottles,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        },
      })),
      {
        alarm: 'StepFunctionsThrottlingAlarm',
        reads: {
          namespace: 'AWS/States',
          name: 'ThrottledEvents',
          dimensions: { ServiceMetric: 'StateTransition' },
        },
        fires: {
          Threshold: THRESHOLDS.stepFunctionsThrottles,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        },
      },
      {
        alarm: 'OrphanReceiptsAlarm',
        reads: { namespace: NAMESPACE, name: 'OrphanReceipts', dimensions: { service: SERVICE } },
        fires: { Threshold: THRESHOLDS.orphanReceipts, ComparisonOperator: 'GreaterThanOrEqualToThreshold' },
      },
    ])('$alarm reads $reads.name', ({ alarm, reads, fires }) => {
      const properties = resourceNamed(template, alarm).Properties as AlarmProperties;
      const references = alarmReferences(alarm, properties);

      expect(properties).toMatchObject(fires);
      expect(references).toContainEqual(expect.objectContaining(reads));
    });

    it('adds up failed processor invocations and failed records into one figure', () => {
      const { Metrics } = resourceNamed(template, 'ProcessorErrorsAlarm').Properties as AlarmProperties;

      expect(Metrics?.filter((query) => 'Expression' in query)).toEqual([
        expect.objectContaining({ Expression: 'FILL(invocations, 0) + FILL(records, 0)', ReturnData: true }),
      ]);
    });

    it.each([
      { alarm: 'UndeliverableRateAlarm', outcome: 'undeliverable' },
      { alarm: 'ExpiredRateAlarm', outcome: 'expired' },
    ])(
      '$alarm divides its outcome by the deliveries of every outcome, once enough deliveries ended',
      ({ alarm, outcome }) => {
        const properties = resourceNamed(template, alarm).Properties as AlarmProperties;
        const outcomes = alarmReferences(alarm, properties).map((reference) => reference.dimensions?.outcome);
        const total = properties.Metrics?.find((query) => query.Id === 'total')?.Expression;

        expect(outcomes.sort()).toEqual([...OUTCOMES].sort());
        expect(total).toBe(
          metricIds(properties)
            .map((id) => `FILL(${id}, 0)`)
            .join(' + '),
        );
        expect(returnedExpression(properties)).toBe(
          `IF(total >= ${THRESHOLDS.outcomeRateMinDeliveries}, 100 * FILL(${outcome}, 0) / total, 0)`,
        );
      },
    );

    it('adds up the throttles of every function of the stage in one alarm', () => {
      const properties = resourceNamed(template, 'LambdaThrottlesAlarm').Properties as AlarmProperties;
      const watched = alarmReferences('LambdaThrottlesAlarm', properties).map(
        (reference) => (reference.dimensions?.FunctionName as { Ref: string }).Ref,
      );
      const functions = resourcesOfType(template, 'AWS::Lambda::Function').map(([id]) => id);

      expect(watched.sort()).toEqual(functions.sort());
      expect(returnedExpression(properties)).toBe(
        metricIds(properties)
          .map((id) => `FILL(${id}, 0)`)
          .join(' + '),
      );
    });

    it('adds up every Step Functions call and transition it watches into one figure', () => {
      const properties = resourceNamed(template, 'StepFunctionsThrottlingAlarm')
        .Properties as AlarmProperties;

      expect(returnedExpression(properties)).toBe(
        metricIds(properties)
          .map((id) => `FILL(${id}, 0)`)
          .join(' + '),
      );
    });

    it('alarms on the depth of no queue but the DLQ (orphans are alarmed on their rate)', () => {
      const depths = alarms(template)
        .flatMap(([id, alarm]) => alarmReferences(id, alarm))
        .filter((reference) => reference.name === 'ApproximateNumberOfMessagesVisible');

      expect(depths.map((reference) => reference.dimensions)).toEqual([
        { QueueName: { 'Fn::GetAtt': ['ReceiptsDlq', 'QueueName'] } },
      ]);
    });

    it('points every alarm at its section of docs/operations.md, and lists it in the alarm table', () => {
      for (const [id, alarm] of alarms(template)) {
        const section = /See docs\/operations\.md, "([^"]+)"\.$/.exec(alarm.AlarmDescription ?? '')?.[1];
        const suffix = alarm.AlarmName?.replace(`${SERVICE}-${STAGE}-`, '');

        expect([id, section !== undefined && OPERATIONS_DOC.includes(`\n### ${section}\n`)]).toEqual([
          id,
          true,
        ]);
        expect([id, OPERATIONS_DOC.includes(`| \`${suffix}\` `)]).toEqual([id, true]);
      }
    });
  });

  describe('dashboard', () => {
    it('shows the delivery funnel, from requests to each outcome', () => {
      const funnel = dashboard(template).widgets.find((widget) =>
        widget.properties.title?.startsWith('Delivery funnel'),
      );
      const steps = (funnel?.properties.metrics ?? []).map((row) => {
        const strings = row.filter((cell): cell is string => typeof cell === 'string');
        return strings.length > 4 ? `${strings[1]}:${strings[5]}` : strings[1];
      });

      expect(steps).toEqual([
        'DeliveriesStarted',
        'SmsSent',
        'ReceiptsAccepted',
        'Deliveries:DELIVERED',
        'SmsResends',
        'Deliveries:DELIVERED_AFTER_RESEND',
        'Deliveries:EMAIL_SENT',
        'Deliveries:UNDELIVERABLE',
        'Deliveries:EXPIRED',
      ]);
    });

    it('shows the state of every alarm of the stage', () => {
      const shown = dashboard(template).widgets.flatMap((widget) => widget.properties.alarms ?? []);

      expect(shown.sort()).toEqual(
        alarms(template)
          .map(([id]) => `<${id}.Arn>`)
          .sort(),
      );
    });

    it('shows throttles by function, throttled Step Functions calls, the outcome rates and the receipt age limit', () => {
      const { widgets } = dashboard(template);
      const rows = (title: string): MetricReference[] =>
        dashboardReferences(widgets.filter((widget) => widget.properties.title?.startsWith(title)));
      const queues = widgets.find((widget) => widget.properties.title === 'Queues') as unknown as {
        properties: { annotations: { horizontal: { value: number }[] } };
      };
      const rates = widgets.find((widget) =>
        widget.properties.title?.startsWith('Undeliverable and expired'),
      );
      const expressions = (rates?.properties.metrics ?? []).flatMap((row) =>
        row.flatMap((cell) => (cell as { expression?: string }).expression ?? []),
      );

      expect(
        rows('Lambda: throttled')
          .map((row) => (row.dimensions?.FunctionName as string).slice(1, -1))
          .sort(),
      ).toEqual(
        resourcesOfType(template, 'AWS::Lambda::Function')
          .map(([id]) => id)
          .sort(),
      );
      expect(rows('Step Functions: throttled').map((row) => row.dimensions)).toEqual([
        { APIName: 'StartExecution' },
        { APIName: 'SendTaskSuccess' },
        { APIName: 'SendTaskFailure' },
        { ServiceMetric: 'StateTransition' },
      ]);
      expect(expressions).toEqual(
        expect.arrayContaining(['100 * FILL(undeliverable, 0) / total', '100 * FILL(expired, 0) / total']),
      );
      expect(queues.properties.annotations.horizontal).toEqual([
        expect.objectContaining({ value: THRESHOLDS.receiptsQueueAge }),
      ]);
    });

    it('places widgets on the 24-column grid without overlaps', () => {
      const cells = new Set<string>();
      for (const widget of dashboard(template).widgets as unknown as {
        x: number;
        y: number;
        width: number;
        height: number;
      }[]) {
        expect(widget.x + widget.width).toBeLessThanOrEqual(24);
        for (let x = widget.x; x < widget.x + widget.width; x += 1) {
          for (let y = widget.y; y < widget.y + widget.height; y += 1) {
            expect(cells.has(`${x},${y}`)).toBe(false);
            cells.add(`${x},${y}`);
          }
        }
      }
    });
  });

  describe('metric names', () => {
    it('alarms and the dashboard read only metrics the code publishes, with the dimensions it publishes them with', () => {
      const references = [
        ...alarms(template).flatMap(([id, alarm]) => alarmReferences(id, alarm)),
        ...dashboardReferences(dashboard(template).widgets),
      ];
      const custom = references.filter((reference) => !reference.namespace.startsWith('AWS/'));

      expect(custom.length).toBeGreaterThan(30);
      for (const reference of custom) {
        const spec = METRIC_CATALOGUE[reference.name];
        const described = `${reference.where}: ${reference.name}`;
        expect([described, reference.namespace]).toEqual([described, NAMESPACE]);
        expect([described, spec !== undefined]).toEqual([described, true]);
        expect([described, [...reference.dimensionKeys].sort()]).toEqual([
          described,
          ['service', ...(spec?.dimensions ?? [])].sort(),
        ]);
        if (reference.dimensions)
          expect([described, reference.dimensions.service]).toEqual([described, SERVICE]);
      }
    });
  });
});
