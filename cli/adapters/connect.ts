import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createRecipientHashKeyReader } from '../../lib/delivery/recipient-hash-key-reader';
import { ConfigError } from '../../lib/shared/errors';
import { TargetError } from '../errors';
import type { AwsService, Target } from '../target';
import { createDeliveryReader, type DeliveryReader } from './delivery-reader';
import { createExecutionReader, type ExecutionReader } from './execution-reader';
import { createParkedReceiptQueue, type ParkedReceiptQueue } from './parked-receipt-queue';
import { readStackOutputs } from './stack-outputs';

/** Everything a command may read or move, for one target. Commands receive this; tests fake it. */
export interface SupportServices {
  readonly deliveries: DeliveryReader;
  readonly executions: ExecutionReader;
  readonly parkedReceipts: ParkedReceiptQueue;
  /** The stage's recipient hash key, a secret: never printed or logged. */
  readRecipientHashKey(): Promise<string>;
  /** Closes the SDK clients' sockets so the process can exit promptly. */
  close(): void;
}

// The emulators accept any credentials; fixed ones keep a developer's real AWS profile out of local runs.
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

function clientConfig(target: Target, service: AwsService) {
  return {
    ...(target.region ? { region: target.region } : {}),
    ...(target.local ? { credentials: LOCAL_CREDENTIALS, endpoint: target.endpoints?.[service] } : {}),
    // Support waits at a terminal: fail in seconds, not after the SDK's default socket timeouts.
    maxAttempts: 3,
  };
}

/**
 * Reads the recipient hash key with the lib's reader and words its failures for a support person. A reader
 * per call, not per process: the secret stays in memory only for the one lookup that needs it.
 */
async function readRecipientHashKey(ssm: SSMClient, parameterName: string): Promise<string> {
  try {
    return await createRecipientHashKeyReader(ssm, parameterName).get();
  } catch (error) {
    // The reader's only ConfigError: the parameter exists but holds no value.
    if (error instanceof ConfigError) throw new TargetError(`SSM parameter ${parameterName} is empty.`);
    if (error instanceof Error && error.name === 'ParameterNotFound') {
      throw new TargetError(
        `The recipient hash key ${parameterName} does not exist, so phone numbers cannot be looked up.`,
        'Engineering creates it before the first deploy (see README, "Deploy").',
        { cause: error },
      );
    }
    throw error;
  }
}

/** Creates the live services for a target, with one SDK client per service. */
export function connect(target: Target): SupportServices {
  const dynamo = new DynamoDBClient(clientConfig(target, 'dynamodb'));
  const documents = DynamoDBDocumentClient.from(dynamo);
  const sfn = new SFNClient(clientConfig(target, 'stepfunctions'));
  const sqs = new SQSClient(clientConfig(target, 'sqs'));
  const ssm = new SSMClient(clientConfig(target, 'ssm'));
  return {
    deliveries: createDeliveryReader(documents, target.deliveriesTable),
    executions: createExecutionReader(sfn),
    parkedReceipts: createParkedReceiptQueue(sqs, {
      dlqUrl: target.receiptsDlqUrl,
      receiptsQueueUrl: target.receiptsQueueUrl,
      waitTimeSeconds: target.local ? 0 : 1,
    }),
    readRecipientHashKey: () => readRecipientHashKey(ssm, target.recipientHashKeyParam),
    close() {
      documents.destroy();
      sfn.destroy();
      sqs.destroy();
      ssm.destroy();
    },
  };
}

/** Reads a deployed stage's stack outputs with the caller's default credentials. */
export async function fetchStackOutputs(
  stackName: string,
  stage: string,
  region: string | undefined,
): Promise<{ outputs: Record<string, string>; region: string }> {
  const client = new CloudFormationClient({ ...(region ? { region } : {}), maxAttempts: 3 });
  try {
    const outputs = await readStackOutputs(client, stackName, stage);
    return { outputs, region: await client.config.region() };
  } finally {
    client.destroy();
  }
}
