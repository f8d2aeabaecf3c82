import type { LocalQueue } from './cloud-resources';
import type { ServerlessManifest } from './serverless-manifest';

/**
 * The EventBridge rules `serverless.yml` declares (`AWS::Events::Rule`) with SQS targets, applied to events
 * the local stand-ins publish on the default bus: an event that matches a rule's pattern is put on the
 * target queue as its body, exactly as EventBridge delivers to an SQS target. The pattern language is the
 * subset the project uses: an object per level, and at the leaves an array of the values a field may take.
 */

export interface LocalEventRule {
  readonly id: string;
  readonly pattern: unknown;
  /** The queues the rule targets. */
  readonly queues: readonly LocalQueue[];
}

/** Whether `event` matches an EventBridge event pattern (literal values only). */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  if (Array.isArray(pattern)) return pattern.some((value) => value === event);
  if (typeof pattern !== 'object' || pattern === null) return false;
  if (typeof event !== 'object' || event === null) return false;
  return Object.entries(pattern).every(([key, inner]) =>
    matchesEventPattern(inner, (event as Record<string, unknown>)[key]),
  );
}

/** The rules of the manifest whose targets are queues of the stack. */
export function eventRules(
  manifest: ServerlessManifest,
  queues: Readonly<Record<string, LocalQueue>>,
): LocalEventRule[] {
  return Object.entries(manifest.resources)
    .filter(([, resource]) => resource.Type === 'AWS::Events::Rule')
    .map(([id, resource]) => {
      const targets = (resource.Properties?.Targets ?? []) as { Arn?: unknown }[];
      const targetQueues = targets
        .map((target) => (target.Arn as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0])
        .map((logicalId) => (logicalId === undefined ? undefined : queues[logicalId]))
        .filter((queue): queue is LocalQueue => queue !== undefined);
      return { id, pattern: resource.Properties?.EventPattern, queues: targetQueues };
    });
}
