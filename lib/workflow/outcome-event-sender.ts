import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { isTransientAwsError } from '../shared/aws-errors';
import { AwsUnavailableError } from '../shared/errors';
import type { DeliveryOutcomeDetail } from './task-contract';

/**
 * Puts the `DeliveryOutcome` event on the account's default EventBridge bus: what product systems wait for.
 * `RecordOutcome` sends it right after writing the outcome, in the same task, so an outcome costs one
 * state transition instead of two (docs/performance.md).
 */

/** The bus, source and detail type of the event; serverless.yml allows exactly these and no others. */
export const OUTCOME_EVENT = {
  busName: 'default',
  source: 'receipt-driven-sms',
  detailType: 'DeliveryOutcome',
} as const;

/** Sends one delivery's `DeliveryOutcome` event. */
export interface OutcomeEventSender {
  /**
   * Puts the event. At least once: a retry of the task after a lost answer may put it again, so consumers
   * key on `deliveryId`.
   *
   * @throws {AwsUnavailableError} when EventBridge refused the entry for a reason that passes
   *   (`ThrottlingException`, `InternalFailure`); the state machine retries the task
   * @throws {Error} when EventBridge refused the entry for any other reason
   */
  send(detail: DeliveryOutcomeDetail): Promise<void>;
}

/**
 * Creates the sender over an EventBridge client.
 *
 * @example
 * const events = createOutcomeEventSender(new EventBridgeClient({}));
 * await events.send(detail);
 */
export function createOutcomeEventSender(client: EventBridgeClient): OutcomeEventSender {
  return {
    async send(detail) {
      const answer = await client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: OUTCOME_EVENT.busName,
              Source: OUTCOME_EVENT.source,
              DetailType: OUTCOME_EVENT.detailType,
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      );
      if ((answer.FailedEntryCount ?? 0) === 0) return;
      // PutEvents answers 200 and reports a refused entry in the body, with an error code of its own.
      const code = answer.Entries?.[0]?.ErrorCode ?? 'Unknown';
      const message = `EventBridge refused the DeliveryOutcome event (${code}): ${answer.Entries?.[0]?.ErrorMessage ?? ''}`;
      if (isTransientAwsError({ name: code })) throw new AwsUnavailableError(message);
      throw new Error(message);
    },
  };
}
