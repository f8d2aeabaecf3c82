import {
  PutEventsCommand,
  type EventBridgeClient,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { JsonObject, JsonValue } from './asl-definition';
import type { LocalTaskHandler } from './workflow-engine';

/**
 * Step Functions service integrations, run locally through the real AWS SDK (pointed at an emulator by the
 * ordinary endpoint settings). Bind them in {@link createWorkflowEngine}'s `handlers` under the
 * integration's name, e.g. `'events:putEvents'`. Each one behaves as the integration does on AWS: same
 * parameters, same answer, and errors named `<Service>.<ErrorName>`.
 */

function serviceError(service: string, error: unknown): Error {
  const failure = new Error(error instanceof Error ? error.message : String(error));
  failure.name = `${service}.${error instanceof Error && error.name ? error.name : 'Error'}`;
  return failure;
}

/**
 * `arn:aws:states:::events:putEvents`: a `Detail` object is sent as JSON text, the PutEvents answer is the
 * task's result, and a rejected entry fails the task with `EventBridge.FailedEntry`, as on AWS.
 *
 * @example
 * createWorkflowEngine({ handlers: { …, 'events:putEvents': eventBridgePutEvents(new EventBridgeClient({})) } });
 */
export function eventBridgePutEvents(client: EventBridgeClient): LocalTaskHandler {
  return async (parameters) => {
    const entries = ((parameters as JsonObject | null)?.Entries ?? []) as JsonObject[];
    const request: PutEventsRequestEntry[] = entries.map((entry) => ({
      EventBusName: entry.EventBusName as string | undefined,
      Source: entry.Source as string | undefined,
      DetailType: entry.DetailType as string | undefined,
      Detail: typeof entry.Detail === 'string' ? entry.Detail : JSON.stringify(entry.Detail ?? {}),
      Resources: entry.Resources as string[] | undefined,
      Time: typeof entry.Time === 'string' ? new Date(entry.Time) : undefined,
    }));
    let answer;
    try {
      answer = await client.send(new PutEventsCommand({ Entries: request }));
    } catch (error) {
      throw serviceError('EventBridge', error);
    }
    const result: JsonValue = {
      Entries: (answer.Entries ?? []).map((entry) => ({ ...entry }) as JsonObject),
      FailedEntryCount: answer.FailedEntryCount ?? 0,
    };
    if ((answer.FailedEntryCount ?? 0) > 0) {
      const failure = new Error(JSON.stringify(result));
      failure.name = 'EventBridge.FailedEntry';
      throw failure;
    }
    return result;
  };
}
