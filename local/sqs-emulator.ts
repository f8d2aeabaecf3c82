import { join } from 'node:path';
import { startChildServer } from './child-process';

/**
 * fauxqs, the SQS emulator (real SQS JSON protocol, redrive to a DLQ), on 127.0.0.1. It runs in a child
 * process (see `fauxqs-process.mjs` for why); the child exits with its parent, so a killed stack leaves
 * nothing behind.
 */
export interface SqsEmulator {
  /** For `AWS_ENDPOINT_URL_SQS` or a client's `endpoint`. */
  readonly endpoint: string;
  /** Non-destructive view of one queue's messages (fauxqs's inspection API), for tests and the demo. */
  inspect(queueName: string): Promise<QueueInspection | undefined>;
  stop(): Promise<void>;
}

export interface InspectedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly messageAttributes?: Record<string, { DataType: string; StringValue?: string }>;
}

export interface QueueInspection {
  readonly name: string;
  readonly messages: {
    readonly ready: InspectedMessage[];
    readonly delayed: InspectedMessage[];
    readonly inflight: { message: InspectedMessage }[];
  };
}

export async function startSqsEmulator(options: { port?: number; root: string }): Promise<SqsEmulator> {
  const child = await startChildServer(join(options.root, 'local', 'fauxqs-process.mjs'), {
    port: options.port,
    cwd: options.root,
    name: 'fauxqs',
  });
  return {
    endpoint: child.endpoint,
    inspect: async (queueName) => {
      const response = await fetch(`${child.endpoint}/_fauxqs/queues/${encodeURIComponent(queueName)}`);
      return response.ok ? ((await response.json()) as QueueInspection) : undefined;
    },
    stop: child.stop,
  };
}
