import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { parse, type CollectionTag, type ScalarTag } from 'yaml';

/**
 * The deliveries table as `serverless.yml` declares it (resource `DeliveriesTable`), for tests and the local
 * stack. Reading the one definition instead of repeating it means a key or index changed in the deployment
 * is changed in every test at once, and a definition DynamoDB would reject fails here first.
 */

const SERVERLESS_YML = join(__dirname, '..', '..', 'serverless.yml');
const RESOURCE_ID = 'DeliveriesTable';

/** CloudFormation short-form intrinsics (`!Ref X`, `!GetAtt X.Arn`, `!Sub …`) read as their long form. */
const INTRINSICS = [
  'Ref',
  'Condition',
  'GetAtt',
  'Sub',
  'Join',
  'Select',
  'Split',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'FindInMap',
  'ImportValue',
  'GetAZs',
  'Base64',
  'Cidr',
  'Length',
  'ToJsonString',
];
const cloudFormationTags = INTRINSICS.flatMap((name): (ScalarTag | CollectionTag)[] => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  return [
    {
      tag: `!${name}`,
      resolve: (value: string) => ({ [key]: name === 'GetAtt' ? value.split('.') : value }),
    },
    { tag: `!${name}`, collection: 'seq', resolve: (node) => ({ [key]: node.toJSON() }) },
    { tag: `!${name}`, collection: 'map', resolve: (node) => ({ [key]: node.toJSON() }) },
  ];
});

interface TableResource {
  readonly Type: string;
  readonly Properties: {
    readonly TableName: string;
    readonly BillingMode: string;
    readonly AttributeDefinitions: CreateTableCommandInput['AttributeDefinitions'];
    readonly KeySchema: CreateTableCommandInput['KeySchema'];
    readonly GlobalSecondaryIndexes?: CreateTableCommandInput['GlobalSecondaryIndexes'];
    readonly TimeToLiveSpecification?: { readonly AttributeName: string; readonly Enabled: boolean };
  };
}

function readTableResource(): TableResource {
  const template = parse(readFileSync(SERVERLESS_YML, 'utf8'), { customTags: cloudFormationTags }) as {
    service: string;
    resources?: { Resources?: Record<string, TableResource> };
  };
  const resource = template.resources?.Resources?.[RESOURCE_ID];
  if (resource?.Type !== 'AWS::DynamoDB::Table') {
    throw new Error(`serverless.yml has no AWS::DynamoDB::Table resource named ${RESOURCE_ID}`);
  }
  return resource;
}

/** The TTL attribute name DynamoDB expires items by (`ttl`); dynalite has no TTL API, so tests read it here. */
export function deliveriesTableTtlAttribute(): string | undefined {
  const ttl = readTableResource().Properties.TimeToLiveSpecification;
  return ttl?.Enabled ? ttl.AttributeName : undefined;
}

/**
 * The `CreateTable` input for the deliveries table: keys, attribute types, billing mode and every GSI with
 * its projection, exactly as deployed.
 *
 * @param options.tableName - name to create it under; defaults to the stage-`local` name of the deployment
 */
export function deliveriesTableDefinition(options: { tableName?: string } = {}): CreateTableCommandInput {
  const { Properties: table } = readTableResource();
  return {
    TableName:
      options.tableName ??
      table.TableName.replace('${self:service}', 'receipt-driven-sms').replace('${sls:stage}', 'local'),
    BillingMode: table.BillingMode as CreateTableCommandInput['BillingMode'],
    AttributeDefinitions: table.AttributeDefinitions,
    KeySchema: table.KeySchema,
    GlobalSecondaryIndexes: table.GlobalSecondaryIndexes,
  };
}

/**
 * Creates the deliveries table and waits until it is ACTIVE (dynalite keeps a new table CREATING for
 * `createTableMs`). Polls every 25 ms instead of the SDK waiter, whose minimum delay is 20 s.
 *
 * @example
 * const dynamo = await startDynalite();
 * const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials });
 * await createDeliveriesTable(client, { tableName: 'deliveries-test' });
 */
export async function createDeliveriesTable(
  client: DynamoDBClient,
  options: { tableName?: string; timeoutMs?: number } = {},
): Promise<string> {
  const definition = deliveriesTableDefinition(options);
  await client.send(new CreateTableCommand(definition));
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: definition.TableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return definition.TableName!;
    if (Date.now() > deadline) throw new Error(`Table ${definition.TableName} did not become ACTIVE`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface DynaliteInstance {
  /** `http://127.0.0.1:<port>`, for a client's `endpoint` or `AWS_ENDPOINT_URL_DYNAMODB`. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Starts an in-memory dynalite on 127.0.0.1 and a free port; tables become ACTIVE at once. */
export async function startDynalite(): Promise<DynaliteInstance> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
