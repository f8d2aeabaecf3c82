import type { LocalQueue, LocalTable } from './cloud-resources';
import type { ReferenceResolver, ServerlessManifest } from './serverless-manifest';

/**
 * What `!Ref` and `!GetAtt` of a `serverless.yml` logical id mean in the local stack: a queue's URL or ARN,
 * a table's name or ARN, the state machine's ARN, a function's name, ARN or URL. The stack fills in the
 * parts as they start; asking for one that has no local stand-in is an error that names it.
 */
export interface LocalReferences {
  readonly resolve: ReferenceResolver;
  readonly queues: Record<string, LocalQueue>;
  readonly tables: Record<string, LocalTable>;
  /** Function URL by function key. */
  readonly functionUrls: Record<string, string>;
}

/** Serverless names a function's CloudFormation resource `<Key>LambdaFunction` (and its URL `…Url`). */
export function functionLogicalId(key: string): string {
  const normalized = key.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized[0]!.toUpperCase()}${normalized.slice(1)}LambdaFunction`;
}

export function createLocalReferences(
  manifest: ServerlessManifest,
  options: { accountId: string; stateMachineArn: string; stateMachineName: string },
): LocalReferences {
  const queues: Record<string, LocalQueue> = {};
  const tables: Record<string, LocalTable> = {};
  const functionUrls: Record<string, string> = {};
  const { region } = manifest;
  const stateMachineIds = new Set(Object.values(manifest.stateMachines).map((machine) => machine.id));

  const resolve: ReferenceResolver = (logicalId, attribute) => {
    const queue = queues[logicalId];
    if (queue) return attribute === 'Arn' ? queue.arn : attribute === 'QueueName' ? queue.name : queue.url;
    const table = tables[logicalId];
    if (table) return attribute === 'Arn' ? table.arn : table.name;
    if (stateMachineIds.has(logicalId)) {
      return attribute === 'Name' ? options.stateMachineName : options.stateMachineArn;
    }
    const fn = manifest.functions.find((f) => functionLogicalId(f.key) === logicalId);
    if (fn) {
      return attribute === 'Arn'
        ? `arn:aws:lambda:${region}:${options.accountId}:function:${fn.name}`
        : fn.name;
    }
    const urlOf = manifest.functions.find((f) => `${functionLogicalId(f.key)}Url` === logicalId);
    if (urlOf && functionUrls[urlOf.key]) return functionUrls[urlOf.key]!;
    if (manifest.resources[logicalId]?.Type === 'AWS::IAM::Role') {
      return `arn:aws:iam::${options.accountId}:role/${logicalId}`;
    }
    throw new Error(
      `serverless.yml: !Ref/!GetAtt ${logicalId}${attribute ? `.${attribute}` : ''} has no local stand-in`,
    );
  };

  return { resolve, queues, tables, functionUrls };
}
