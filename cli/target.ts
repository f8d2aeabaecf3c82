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

function text(source: Record<string, unknown>, key: string): string | undefined {
  const value = source[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Builds a target from the local stack's `.local/stack.json`: the same output names as the deployed
 * stack under `outputs`, plus `endpoints` for the emulators and `region`.
 *
 * @throws {TargetError} when the file is not what `npm start` writes.
 */
export function targetFromLocalStackFile(contents: string, path: string): Target {
  let parsed: unknown;
  try {
    parsed = JSON.parse(contents);
  } catch {
    throw new TargetError(`${path} is not valid JSON.`, 'Restart the local stack with `npm start`.');
  }
  if (!isRecord(parsed) || !isRecord(parsed.outputs) || !isRecord(parsed.endpoints)) {
    throw new TargetError(
      `${path} does not describe a local stack (no outputs or endpoints).`,
      'Restart it with `npm start`.',
    );
  }
  const outputs: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed.outputs))
    if (typeof value === 'string') outputs[key] = value;
  const endpoints: Partial<Record<AwsService, string>> = {};
  for (const service of ['dynamodb', 'sqs', 'stepfunctions', 'ssm'] as const) {
    const endpoint = text(parsed.endpoints, service);
    if (endpoint) endpoints[service] = endpoint;
  }
  const missing = (['dynamodb', 'sqs', 'stepfunctions', 'ssm'] as const).filter((s) => !endpoints[s]);
  if (missing.length > 0) {
    throw new TargetError(
      `${path} lists no endpoint for ${missing.join(', ')}.`,
      'Restart the local stack with `npm start`.',
    );
  }
  const target = targetFromStackOutputs(outputs, 'local', text(parsed, 'region') ?? 'us-east-1');
  return { ...target, label: 'the local stack', local: true, endpoints };
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
