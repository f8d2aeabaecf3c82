import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DescribeExecutionOutput } from '@aws-sdk/client-sfn';
import { readDeliverySummary, type DeliverySummary } from '../../local/delivery-summary';
import { postDelivery, type SendApiResponse } from '../../local/send-api-client';
import type { SentEmail } from '../../local/ses-emulator';
import type { LocalStack } from '../../local/stack';

/**
 * Helpers for end-to-end tests against a running local stack: send deliveries through the send API (signed,
 * as a product service would), wait for their workflows, and gather what every part saw of each one.
 */

export interface DeliveryRequestForTest {
  readonly deliveryId: string;
  readonly to: string;
  readonly text: string;
  readonly email?: { readonly to: string; readonly subject: string; readonly text: string };
  readonly expiresAt: string;
  readonly policy?: {
    maxSmsAttempts?: number;
    receiptTimeoutSeconds?: number;
    resendBackoffSeconds?: number[];
  };
}

/** Everything known about one delivery once its workflow has ended. */
export interface DeliveryObservation {
  readonly execution: DescribeExecutionOutput;
  readonly summary: DeliverySummary;
  /** `messages:send` requests Sinch accepted for it (each one SMS). */
  readonly smsAccepted: number;
  /** Emails SES received for its address. */
  readonly emails: number;
  /** `DeliveryOutcome` events published for it. */
  readonly outcomeEvents: readonly { outcome?: string }[];
}

export function sendDelivery(stack: LocalStack, request: DeliveryRequestForTest): Promise<SendApiResponse> {
  return postDelivery(stack.description.functionUrls.send!, request, {
    region: stack.clientConfig.region,
    credentials: stack.clientConfig.credentials,
  });
}

export function executionArnOf(stack: LocalStack, deliveryId: string): string {
  return `${stack.description.resources.stateMachineArn.replace(':stateMachine:', ':execution:')}:${deliveryId}`;
}

export function documentClient(stack: LocalStack): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...stack.clientConfig, endpoint: stack.description.endpoints.dynamodb }),
  );
}

/** Waits for the workflow of every delivery to end, failing after `timeoutMs`. */
export async function waitForOutcomes(
  stack: LocalStack,
  deliveryIds: readonly string[],
  timeoutMs: number,
): Promise<Map<string, DescribeExecutionOutput>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const running = deliveryIds.filter(
        (id) => stack.engine.describeExecution(executionArnOf(stack, id)).status === 'RUNNING',
      );
      reject(
        new Error(
          `${running.length} deliveries still running after ${timeoutMs} ms: ${running.slice(0, 5).join(', ')}`,
        ),
      );
    }, timeoutMs);
  });
  try {
    const results = await Promise.race([
      Promise.all(deliveryIds.map((id) => stack.engine.waitForExecution(executionArnOf(stack, id)))),
      timeout,
    ]);
    return new Map(deliveryIds.map((id, index) => [id, results[index]!]));
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until the first SMS attempt of a delivery carries the message id Sinch gave it. */
export async function waitForMessageId(
  stack: LocalStack,
  deliveryId: string,
  timeoutMs = 10_000,
): Promise<string> {
  const documents = documentClient(stack);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const summary = await readDeliverySummary(
        documents,
        stack.description.resources.deliveriesTable!,
        deliveryId,
      );
      const messageId = summary.attempts.find((attempt) => attempt.attempt === 1)?.messageId;
      if (messageId) return messageId;
      if (Date.now() > deadline) throw new Error(`${deliveryId}: no message id after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    documents.destroy();
  }
}

/** Collects, for each delivery, what the table, the simulated Sinch, SES and EventBridge saw. */
export async function observe(
  stack: LocalStack,
  requests: readonly DeliveryRequestForTest[],
  executions: ReadonlyMap<string, DescribeExecutionOutput>,
): Promise<Map<string, DeliveryObservation>> {
  const documents = documentClient(stack);
  const emails: SentEmail[] = await stack.ses.emails();
  const table = stack.description.resources.deliveriesTable!;
  const observations = new Map<string, DeliveryObservation>();
  for (const request of requests) {
    observations.set(request.deliveryId, {
      execution: executions.get(request.deliveryId)!,
      summary: await readDeliverySummary(documents, table, request.deliveryId),
      smsAccepted: stack.sinch.acceptedSendsFor(request.deliveryId).length,
      emails: request.email ? emails.filter((e) => e.destination.to.includes(request.email!.to)).length : 0,
      outcomeEvents: stack.events.events
        .filter((event) => (event.detail as { deliveryId?: string }).deliveryId === request.deliveryId)
        .map((event) => event.detail as { outcome?: string }),
    });
  }
  documents.destroy();
  return observations;
}

/** The values of every SSM parameter the stack filled (the secrets functions read). */
export async function storedSecrets(stack: LocalStack): Promise<string[]> {
  const ssm = new SSMClient({ ...stack.clientConfig, endpoint: stack.description.endpoints.ssm });
  const values = await Promise.all(
    Object.values(stack.description.ssmParameters).map(async (name) => {
      const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return Parameter?.Value ?? '';
    }),
  );
  ssm.destroy();
  // A JSON value (the Sinch credentials) counts by each of its string fields too.
  return values.flatMap((value) => {
    try {
      const parsed: unknown = JSON.parse(value);
      return typeof parsed === 'object' && parsed !== null
        ? [value, ...Object.values(parsed).map(String)]
        : [value];
    } catch {
      return [value];
    }
  });
}

/** Log lines (functions' and the stack's own) that contain any of the given strings. */
export function logLinesContaining(stack: LocalStack, needles: readonly string[]): string[] {
  const present = needles.filter((needle) => needle.length > 0);
  return stack.logs
    .filter((entry) => present.some((needle) => entry.line.includes(needle)))
    .map((entry) => `${entry.source}: ${entry.line.slice(0, 200)}`);
}
