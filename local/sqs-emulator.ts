import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

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
  const child: ChildProcess = fork(
    join(options.root, 'local', 'fauxqs-process.mjs'),
    [String(options.port ?? 0)],
    {
      cwd: options.root,
      // Not the parent's flags (Jest's, --inspect …): this is a plain Node process.
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`fauxqs exited with code ${code} before it was ready`)));
  });
  child.removeAllListeners('exit');
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    inspect: async (queueName) => {
      const response = await fetch(`${endpoint}/_fauxqs/queues/${encodeURIComponent(queueName)}`);
      return response.ok ? ((await response.json()) as QueueInspection) : undefined;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}
