import {
  CreateTableCommand,
  DescribeTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { resolveIntrinsics, type ReferenceResolver, type ServerlessManifest } from './serverless-manifest';

/**
 * Creates the queues and tables `serverless.yml` declares under `resources:` in the local emulators, through
 * their real APIs, and answers `!Ref` / `!GetAtt` for them. Only the attributes an emulator can honour are
 * passed on (encryption, PITR and TTL settings have no local meaning).
 */

export interface LocalQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  /** Visibility timeout as created (seconds), after time scaling. */
  readonly visibilityTimeout: number;
  readonly redrive?: { readonly deadLetterTargetArn: string; readonly maxReceiveCount: number };
}

export interface LocalTable {
  readonly name: string;
  readonly arn: string;
}

const QUEUE_ATTRIBUTES = [
  'VisibilityTimeout',
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'FifoQueue',
  'ContentBasedDeduplication',
] as const;

const SQS_DEFAULT_VISIBILITY_TIMEOUT = 30;

function queueReferences(properties: Record<string, unknown>): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (typeof node === 'object' && node !== null) {
      const getAtt = (node as Record<string, unknown>)['Fn::GetAtt'];
      if (Array.isArray(getAtt)) found.push(String(getAtt[0]));
      Object.values(node).forEach(visit);
    }
  };
  visit(properties.RedrivePolicy);
  return found;
}

/**
 * Creates every `AWS::SQS::Queue`, dead-letter queues first so a redrive policy can name their ARN.
 *
 * @param options.timeFactor - scales `VisibilityTimeout` (never below 1 s), so a failed receipt becomes
 *   visible again in `--fast` time, like every other modelled wait
 */
export async function createQueues(
  client: SQSClient,
  manifest: ServerlessManifest,
  options: { timeFactor: number; refs: ReferenceResolver },
): Promise<Record<string, LocalQueue>> {
  const pending = Object.entries(manifest.resources).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
  const created: Record<string, LocalQueue> = {};
  const refs: ReferenceResolver = (logicalId, attribute) => {
    const queue = created[logicalId];
    if (!queue) return options.refs(logicalId, attribute);
    if (attribute === 'Arn') return queue.arn;
    if (attribute === 'QueueName') return queue.name;
    return queue.url;
  };

  while (pending.length > 0) {
    const index = pending.findIndex(([, resource]) =>
      queueReferences(resource.Properties ?? {}).every((id) => created[id] || !manifest.resources[id]),
    );
    if (index < 0) throw new Error('serverless.yml: queues reference each other in a cycle');
    const [logicalId, resource] = pending.splice(index, 1)[0]!;
    const properties = resolveIntrinsics(resource.Properties ?? {}, refs, {
      region: manifest.region,
      accountId: '000000000000',
    }) as Record<string, unknown>;

    const name = String(properties.QueueName ?? `${manifest.service}-${manifest.stage}-${logicalId}`);
    const attributes: Record<string, string> = {};
    for (const key of QUEUE_ATTRIBUTES) {
      if (properties[key] !== undefined) attributes[key] = String(properties[key]);
    }
    const visibilityTimeout = Math.max(
      1,
      Math.ceil(Number(properties.VisibilityTimeout ?? SQS_DEFAULT_VISIBILITY_TIMEOUT) * options.timeFactor),
    );
    attributes.VisibilityTimeout = String(visibilityTimeout);
    const redrivePolicy = properties.RedrivePolicy as
      { deadLetterTargetArn: string; maxReceiveCount: number | string } | undefined;
    const redrive = redrivePolicy
      ? {
          deadLetterTargetArn: redrivePolicy.deadLetterTargetArn,
          maxReceiveCount: Number(redrivePolicy.maxReceiveCount),
        }
      : undefined;
    if (redrive) attributes.RedrivePolicy = JSON.stringify(redrive);

    const { QueueUrl } = await client.send(
      new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
    );
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    created[logicalId] = { name, url: QueueUrl!, arn: Attributes!.QueueArn!, visibilityTimeout, redrive };
  }
  return created;
}

/** Creates every `AWS::DynamoDB::Table` with its keys and indexes, and waits until each is ACTIVE. */
export async function createTables(
  client: DynamoDBClient,
  manifest: ServerlessManifest,
  options: { refs: ReferenceResolver },
): Promise<Record<string, LocalTable>> {
  const created: Record<string, LocalTable> = {};
  for (const [logicalId, resource] of Object.entries(manifest.resources)) {
    if (resource.Type !== 'AWS::DynamoDB::Table') continue;
    const p = resolveIntrinsics(resource.Properties ?? {}, options.refs, {
      region: manifest.region,
      accountId: '000000000000',
    }) as Record<string, unknown>;
    const name = String(p.TableName ?? `${manifest.service}-${manifest.stage}-${logicalId}`);
    const input: CreateTableCommandInput = {
      TableName: name,
      BillingMode: (p.BillingMode as CreateTableCommandInput['BillingMode']) ?? 'PROVISIONED',
      AttributeDefinitions: p.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
      KeySchema: p.KeySchema as CreateTableCommandInput['KeySchema'],
      GlobalSecondaryIndexes: p.GlobalSecondaryIndexes as CreateTableCommandInput['GlobalSecondaryIndexes'],
      LocalSecondaryIndexes: p.LocalSecondaryIndexes as CreateTableCommandInput['LocalSecondaryIndexes'],
      ProvisionedThroughput: p.ProvisionedThroughput as CreateTableCommandInput['ProvisionedThroughput'],
    };
    const { TableDescription } = await client.send(new CreateTableCommand(input));
    await waitUntilActive(client, name);
    created[logicalId] = { name, arn: TableDescription!.TableArn! };
  }
  return created;
}

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    if (Date.now() > deadline) throw new Error(`Table ${tableName} did not become ACTIVE`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
