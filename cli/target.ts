import { TargetError } from './errors';

/**
 * Where the CLI reads from: the resources of one deployed stage, or of the local stack. Resolved once
 * per run, from the stage's CloudFormation outputs or from `.local/stack.json`.
 */
export interface Target {
  /** `stage prod (eu-west-1)` or `the local stack`, for messages. */
  readonly label: string;
  readonly local: boolean;
  readonly region: string | undefined;
  readonly deliveriesTable: string;
  readonly receiptsQueueUrl: string;
  readonly receiptsDlqUrl: string;
  readonly stateMachineArn: string | undefined;
  readonly recipientHashKeyParam: string;
  /** Endpoint overrides for the local stack's emulators; absent on AWS. */
  readonly endpoints?: Partial<Record<AwsService, string>>;
}

export type AwsService = 'dynamodb' | 'sqs' | 'stepfunctions' | 'ssm';

/** `receipt-driven-sms-<stage>`: the stack name osls gives the service in serverless.yml. */
export function stackName(stage: string): string {
  return `receipt-driven-sms-${stage}`;
}

/** The CloudFormation outputs the CLI needs (serverless.yml `resources.Outputs`). */
export const STACK_OUTPUTS = {
  deliveriesTable: 'DeliveriesTableName',
  receiptsQueueUrl: 'ReceiptsQueueUrl',
  receiptsDlqUrl: 'ReceiptsDlqUrl',
  recipientHashKeyParam: 'RecipientHashKeyParam',
  /** Added by serverless-step-functions for the state machine with `id: DeliveryStateMachine`. */
  stateMachineArn: 'DeliveryStateMachineArn',
} as const;

const REQUIRED_OUTPUTS = [
  STACK_OUTPUTS.deliveriesTable,
  STACK_OUTPUTS.receiptsQueueUrl,
  STACK_OUTPUTS.receiptsDlqUrl,
  STACK_OUTPUTS.recipientHashKeyParam,
] as const;

/**
 * Builds a target from a stage's stack outputs.
 *
 * @throws {TargetError} naming the outputs that are missing (a stack deployed from an older version).
 */
export function targetFromStackOutputs(
  outputs: Readonly<Record<string, string>>,
  stage: string,
  region: string | undefined,
): Target {
  const missing = REQUIRED_OUTPUTS.filter((key) => !outputs[key]);
  if (missing.length > 0) {
    throw new TargetError(
      `Stack ${stackName(stage)} has no output${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`,
      'Deploy the current version of this project to the stage (`npx sls deploy --stage <stage>`).',
    );
  }
  return {
    label: region ? `stage ${stage} (${region})` : `stage ${stage}`,
    local: false,
    region,
    deliveriesTable: outputs[STACK_OUTPUTS.deliveriesTable]!,
    receiptsQueueUrl: outputs[STACK_OUTPUTS.receiptsQueueUrl]!,
    receiptsDlqUrl: outputs[STACK_OUTPUTS.receiptsDlqUrl]!,
    recipientHashKeyParam: outputs[STACK_OUTPUTS.recipientHashKeyParam]!,
    stateMachineArn: outputs[STACK_OUTPUTS.stateMachineArn] || undefined,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(source: unknown, key: string): string | undefined {
  if (!isRecord(source)) return undefined;
  const value = source[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

const LOCAL_SERVICES: readonly AwsService[] = ['dynamodb', 'sqs', 'stepfunctions', 'ssm'];

/** What the CLI reads from `.local/stack.json` (written by `npm start`, `StackDescription` in local/stack.ts). */
export interface LocalStackFile {
  readonly pid?: number;
  readonly target: Target;
}

/**
 * Builds a target from the local stack's `.local/stack.json`: the emulator endpoints, the resource names
 * and the name of the recipient hash key parameter (`ssmParameters.RECIPIENT_HASH_KEY_PARAM`).
 *
 * @throws {TargetError} when the file is not what `npm start` writes.
 */
export function targetFromLocalStackFile(contents: string, path: string): LocalStackFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(contents);
  } catch {
    throw new TargetError(`${path} is not valid JSON.`, 'Restart the local stack with `npm start`.');
  }
  if (!isRecord(parsed) || !isRecord(parsed.endpoints) || !isRecord(parsed.resources)) {
    throw new TargetError(
      `${path} does not describe a local stack (no endpoints or resources).`,
      'Restart it with `npm start`.',
    );
  }
  const endpoints: Partial<Record<AwsService, string>> = {};
  for (const service of LOCAL_SERVICES) {
    const endpoint = text(parsed.endpoints, service);
    if (endpoint) endpoints[service] = endpoint;
  }
  const values = {
    deliveriesTable: text(parsed.resources, 'deliveriesTable'),
    receiptsQueueUrl: text(parsed.resources, 'receiptsQueueUrl'),
    receiptsDlqUrl: text(parsed.resources, 'receiptsDlqUrl'),
    recipientHashKeyParam: text(parsed.ssmParameters, 'RECIPIENT_HASH_KEY_PARAM'),
  };
  const missing = [
    ...LOCAL_SERVICES.filter((s) => !endpoints[s]).map((s) => `endpoints.${s}`),
    ...Object.entries(values)
      .filter(([, value]) => value === undefined)
      .map(([key]) => key),
  ];
  if (missing.length > 0) {
    throw new TargetError(
      `${path} lacks ${missing.join(', ')}.`,
      'Restart the local stack with `npm start`.',
    );
  }
  return {
    ...(typeof parsed.pid === 'number' ? { pid: parsed.pid } : {}),
    target: {
      label: 'the local stack',
      local: true,
      region: text(parsed, 'region') ?? 'us-east-1',
      deliveriesTable: values.deliveriesTable!,
      receiptsQueueUrl: values.receiptsQueueUrl!,
      receiptsDlqUrl: values.receiptsDlqUrl!,
      recipientHashKeyParam: values.recipientHashKeyParam!,
      stateMachineArn: text(parsed.resources, 'stateMachineArn'),
      endpoints,
    },
  };
}

/**
 * The execution a delivery started: the execution name is the deliveryId (DESIGN.md), so its ARN follows
 * from the state machine's.
 *
 * @example
 * executionArnFor('arn:aws:states:eu-west-1:123:stateMachine:delivery', 'd-1');
 * // 'arn:aws:states:eu-west-1:123:execution:delivery:d-1'
 */
export function executionArnFor(stateMachineArn: string, deliveryId: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${deliveryId}`;
}

const CONSOLE_HOSTS: Readonly<Record<string, (region: string) => string>> = {
  aws: (region) => `${region}.console.aws.amazon.com`,
  'aws-cn': (region) => `${region}.console.amazonaws.cn`,
  'aws-us-gov': (region) => `${region}.console.amazonaws-us-gov.com`,
};

const EXECUTION_ARN = /^arn:(aws[a-z-]*):states:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:execution:[^:]+:[^:]+$/;

/**
 * The execution's page in the AWS Step Functions console, where engineering sees the graph and every
 * state's input and output. `undefined` for an ARN that is not a Step Functions execution in a known
 * partition.
 *
 * @example
 * executionConsoleUrl('arn:aws:states:eu-west-1:123456789012:execution:delivery:d-1');
 * // 'https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn%3Aaws%3Astates%3A…'
 */
export function executionConsoleUrl(executionArn: string): string | undefined {
  const match = EXECUTION_ARN.exec(executionArn);
  const host = match ? CONSOLE_HOSTS[match[1]!] : undefined;
  if (!match || !host) return undefined;
  const region = match[2]!;
  return `https://${host(region)}/states/home?region=${region}#/v2/executions/details/${encodeURIComponent(executionArn)}`;
}
