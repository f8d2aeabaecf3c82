import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { ExecutionStatus, WorkflowEvent } from '../timeline';

/** Reads one workflow execution: its status and its full history. */
export interface ExecutionReader {
  /** `undefined` when the execution does not exist (history expired, or the local stack restarted). */
  status(executionArn: string): Promise<ExecutionStatus | undefined>;
  /** Every event, oldest first; `undefined` when the execution does not exist. */
  history(executionArn: string, onPage?: (events: number) => void): Promise<WorkflowEvent[] | undefined>;
}

const STATUSES: readonly string[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

function isMissing(error: unknown): boolean {
  return error instanceof Error && error.name === 'ExecutionDoesNotExist';
}

export function createExecutionReader(client: SFNClient): ExecutionReader {
  return {
    async status(executionArn) {
      try {
        const { status } = await client.send(new DescribeExecutionCommand({ executionArn }));
        return status !== undefined && STATUSES.includes(status) ? (status as ExecutionStatus) : undefined;
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },

    async history(executionArn, onPage) {
      const events: WorkflowEvent[] = [];
      let nextToken: string | undefined;
      try {
        do {
          // 1000 is the largest page Step Functions serves; a resend-heavy delivery has ~100 events.
          const page = await client.send(
            new GetExecutionHistoryCommand({
              executionArn,
              maxResults: 1000,
              nextToken,
              includeExecutionData: true,
            }),
          );
          events.push(...(page.events ?? []));
          onPage?.(events.length);
          nextToken = page.nextToken;
        } while (nextToken);
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
      return events;
    },
  };
}
