import { join } from 'node:path';
import { startChildServer } from './child-process';
import type { FaultInjector } from './fault-injector';
import { startSqsFront } from './sqs-front';

/**
 * The local SQS: fauxqs, the SQS emulator (real SQS JSON protocol, redrive to a DLQ), on 127.0.0.1, behind
 * `sqs-front.ts`, which also answers SQS's older Query protocol and injects `sqs-outage`. fauxqs runs in a
 * child process (see `fauxqs-process.mjs` for why); the child exits with its parent, so a killed stack
 * leaves nothing behind.
 */
export interface SqsEmulator {
  /** For `AWS_ENDPOINT_URL_SQS` or a client's `endpoint`: the front (JSON and Query protocols, faults). */
  readonly endpoint: string;
  /** fauxqs itself, without the front (JSON protocol only, no faults): the Lambda event source polls it. */
  readonly directEndpoint: string;
  /** Non-destructive view of one queue's messages (fauxqs's inspection API), for tests and the demo. */
  inspect(queueName: string): Promise<QueueInspection | undefined>;
  /** The CPU time fauxqs has used so far. */
  cpuUsage(): Promise<NodeJS.CpuUsage>;
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

export async function startSqsEmulator(options: {
  port?: number;
  root: string;
  /** Injects `sqs-outage` in the front. */
  injector?: FaultInjector;
}): Promise<SqsEmulator> {
  const child = await startChildServer(join(options.root, 'local', 'fauxqs-process.mjs'), {
    cwd: options.root,
    name: 'fauxqs',
  });
  let front;
  try {
    front = await startSqsFront({ target: child.endpoint, injector: options.injector, port: options.port });
  } catch (error) {
    await child.stop();
    throw error;
  }
  return {
    endpoint: front.endpoint,
    directEndpoint: child.endpoint,
    cpuUsage: child.cpuUsage,
    inspect: async (queueName) => {
      const response = await fetch(`${child.endpoint}/_fauxqs/queues/${encodeURIComponent(queueName)}`);
      return response.ok ? ((await response.json()) as QueueInspection) : undefined;
    },
    stop: async () => {
      await front.stop();
      await child.stop();
    },
  };
}
