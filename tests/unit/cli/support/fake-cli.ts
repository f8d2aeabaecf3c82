import { PassThrough } from 'node:stream';
import type { SupportServices } from '../../../../cli/adapters/connect';
import type { DeliveryReader } from '../../../../cli/adapters/delivery-reader';
import type { ExecutionReader } from '../../../../cli/adapters/execution-reader';
import type { ParkedReceiptQueue, RedriveResult } from '../../../../cli/adapters/parked-receipt-queue';
import type { CliIo, InputStream } from '../../../../cli/io';
import type { ParkedMessage } from '../../../../cli/parked-receipt';
import type { AttemptRecord, DeliveryRecord } from '../../../../cli/records';
import type { WorkflowEvent } from '../../../../cli/timeline';

/**
 * An in-memory process and target for running `main` in unit tests: captured stdout and stderr, a
 * scripted stdin, and services backed by plain arrays that record what they were asked to do.
 */
export interface CapturedIo extends CliIo {
  readonly out: () => string;
  readonly err: () => string;
  /** Types a line into stdin (for the confirmation prompt). */
  readonly type: (line: string) => void;
}

export function aCapturedIo(options: { tty?: boolean; now?: string } = {}): CapturedIo {
  let out = '';
  let err = '';
  const stdin = Object.assign(new PassThrough(), { isTTY: options.tty ?? false }) as PassThrough &
    InputStream;
  return {
    stdout: { write: (chunk: string) => (out += chunk), isTTY: false },
    stderr: { write: (chunk: string) => (err += chunk), isTTY: false },
    stdin,
    now: () => new Date(options.now ?? '2026-03-02T12:00:00.000Z'),
    projectRoot: '/nonexistent',
    out: () => out,
    err: () => err,
    type: (line) => stdin.write(`${line}\n`),
  };
}

export interface FakeTargetState {
  deliveries: { delivery: DeliveryRecord; attempts: AttemptRecord[]; toHash?: string }[];
  histories: Record<string, WorkflowEvent[]>;
  parked: ParkedMessage[];
  moved: ParkedMessage[];
  redriveFailures: RedriveResult['failed'];
  hashKey: string;
  closed: boolean;
  /** Thrown by every service call when set, to test error mapping. */
  failWith?: Error;
}

export function aFakeTarget(overrides: Partial<FakeTargetState> = {}): {
  state: FakeTargetState;
  services: SupportServices;
} {
  const state: FakeTargetState = {
    deliveries: [],
    histories: {},
    parked: [],
    moved: [],
    redriveFailures: [],
    hashKey: 'test-hash-key',
    closed: false,
    ...overrides,
  };
  const guard = () => {
    if (state.failWith) throw state.failWith;
  };

  const deliveries: DeliveryReader = {
    async getDelivery(deliveryId) {
      guard();
      const found = state.deliveries.find((d) => d.delivery.deliveryId === deliveryId);
      return found ? { delivery: found.delivery, attempts: found.attempts } : undefined;
    },
    async findDeliveryIdByMessageId(messageId) {
      guard();
      return state.deliveries.find((d) => d.attempts.some((a) => a.messageId === messageId))?.delivery
        .deliveryId;
    },
    async findByRecipientHash(toHash, limit) {
      guard();
      return state.deliveries
        .filter((d) => d.toHash === toHash)
        .map((d) => d.delivery)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .slice(0, limit);
    },
    async scanRecent(_filter, onPage) {
      guard();
      onPage?.({ scanned: state.deliveries.length, matched: state.deliveries.length });
      return state.deliveries.map((d) => d.delivery);
    },
  };

  const executions: ExecutionReader = {
    async status(arn) {
      guard();
      return state.histories[arn] ? 'SUCCEEDED' : undefined;
    },
    async history(arn, onPage) {
      guard();
      const events = state.histories[arn];
      if (events) onPage?.(events.length);
      return events;
    },
  };

  const parkedReceipts: ParkedReceiptQueue = {
    async approximateCount() {
      guard();
      return state.parked.length;
    },
    async peek(limit) {
      guard();
      return state.parked.slice(0, limit);
    },
    async moveToReceiptsQueue(limit) {
      guard();
      const moving = state.parked.splice(0, limit);
      state.moved.push(...moving);
      return { moved: moving.length - state.redriveFailures.length, failed: state.redriveFailures };
    },
  };

  return {
    state,
    services: {
      deliveries,
      executions,
      parkedReceipts,
      readRecipientHashKey: async () => state.hashKey,
      close() {
        state.closed = true;
      },
    },
  };
}

/** Stack outputs of a fake `prod` stage. */
export const PROD_OUTPUTS = {
  DeliveriesTableName: 'receipt-driven-sms-prod-deliveries',
  ReceiptsQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/receipt-driven-sms-prod-receipts',
  ReceiptsDlqUrl: 'https://sqs.eu-west-1.amazonaws.com/1/receipt-driven-sms-prod-receipts-dlq',
  RecipientHashKeyParam: '/receipt-driven-sms/prod/recipient-hash-key',
};
