import { randomUUID } from 'node:crypto';
import { listen, readBody } from './http-server';

/**
 * A small EventBridge stand-in speaking the JSON protocol (`X-Amz-Target: AWSEvents.PutEvents`), so the
 * workflow's `PublishOutcome` step goes through the ordinary `@aws-sdk/client-eventbridge`. It keeps every
 * event it was given, which the demo and the end-to-end tests read (one `DeliveryOutcome` per delivery).
 */

export interface PutEvent {
  readonly id: string;
  readonly time: string;
  readonly eventBusName: string;
  readonly source: string;
  readonly detailType: string;
  /** The parsed `Detail` JSON. */
  readonly detail: unknown;
}

export interface EventBridgeStandIn {
  /** For `AWS_ENDPOINT_URL_EVENTBRIDGE` or a client's `endpoint`. */
  readonly endpoint: string;
  readonly events: readonly PutEvent[];
  stop(): Promise<void>;
}

interface Entry {
  EventBusName?: string;
  Source?: string;
  DetailType?: string;
  Detail?: string;
}

export async function startEventBridgeStandIn(options: { port?: number } = {}): Promise<EventBridgeStandIn> {
  const events: PutEvent[] = [];

  const running = await listen(async (req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
      reply(400, { __type: 'UnknownOperationException', message: `Unsupported operation: ${target}` });
      return;
    }
    const input = JSON.parse((await readBody(req)).toString('utf8') || '{}') as { Entries?: Entry[] };
    const entries = input.Entries ?? [];
    if (entries.length === 0 || entries.length > 10) {
      reply(400, { __type: 'ValidationException', message: 'Entries must hold 1 to 10 events' });
      return;
    }
    const results = entries.map((entry) => {
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail ?? '');
      } catch {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
      }
      if (!entry.Source || !entry.DetailType) {
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source and DetailType are required.' };
      }
      const id = randomUUID();
      events.push({
        id,
        time: new Date().toISOString(),
        eventBusName: entry.EventBusName ?? 'default',
        source: entry.Source,
        detailType: entry.DetailType,
        detail,
      });
      return { EventId: id };
    });
    reply(200, { Entries: results, FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length });
  }, options.port);

  return { endpoint: running.url, events, stop: running.stop };
}
