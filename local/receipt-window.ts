import { decodeEnvelope } from '../lib/receipts/receipt-envelope';
import { meaningOf } from '../lib/receipts/status-rules';
import type { ReportRecord, SinchSimulator } from './sinch-simulator';
import type { TaskWindow } from './scaled-task-timeouts';
import type { QueueInspection } from './sqs-emulator';

/**
 * The receipt window, in modelled time. `--fast` scales the modelled waits (Sinch's report latency, the
 * receipt timeout) but not the work between them: a report Sinch sends 2 modelled seconds after the SMS
 * still needs the ingress, the queue and the processor, in real milliseconds. On AWS that work is a few
 * hundred milliseconds of a 60 s window; scaled ÷20 on a busy machine it can take the whole 3 s, and a
 * report that Sinch sent in time would then count as silence, and the delivery would be resent.
 *
 * So a scaled receipt timeout, once due, first waits while a report that can end the task (a final one,
 * for the task's attempt) and that Sinch sent before the deadline is still being worked on: due but not
 * yet started, its webhook POST on the wire (or a retry due before the deadline), or waiting in the
 * receipts queue or being processed. Work takes no
 * modelled time; waits do. The outcome of a delivery then depends on its scenario, not on how busy the
 * machine is, and a report that is genuinely late (sent after the deadline) still finds the window closed.
 *
 * The deadline is the window's length after Sinch accepted the SMS (the reports are scheduled from that
 * moment), not after the task started: the send's own work, seconds on a busy machine, takes no modelled
 * time either.
 */

/** How often a held timeout looks again. */
const POLL_MS = 25;

export interface ReceiptWindow {
  /**
   * Resolves once no report that can end the task (a final one, for its attempt) and that Sinch sent by
   * the deadline is still being worked on, or when `signal` aborts; with how many milliseconds it held the
   * timeout.
   */
  settled(deliveryId: string, window: TaskWindow, signal: AbortSignal): Promise<number>;
  /**
   * Whether a task whose scaled timeout is already due may still be completed now: true while a final
   * report (DELIVERED, READ, FAILED) of the task's attempt that Sinch sent by the deadline is on its way or
   * being worked on (the report completing the task is one).
   * A report Sinch sent after the deadline finds the window closed, as it would on AWS, even when the
   * timeout's own timer has not fired yet because the machine is busy.
   */
  admits(deliveryId: string, window: TaskWindow): Promise<boolean>;
}

/** Whether the try Sinch's webhook was acknowledged with was due at or before `by`. */
function acknowledgedBy(report: ReportRecord, by: number): boolean {
  const delivery = report.delivery;
  const last = delivery?.tries.at(-1);
  return (
    delivery?.state === 'acknowledged' && last !== undefined && (last.dueAt ?? Date.parse(last.at)) <= by
  );
}

export function createReceiptWindow(options: {
  readonly sinch: Pick<SinchSimulator, 'reports' | 'sends' | 'sendingBy'>;
  /** The receipts queue as it is now: what waits in it and what is being processed. */
  readonly inspectReceipts: () => Promise<QueueInspection | undefined>;
}): ReceiptWindow {
  let latest: { startedAt: number; bodies: Promise<Set<string> | undefined> } | undefined;

  /**
   * Raw report bodies in the receipts queue, ready or being processed, from an inspection that started no
   * earlier than `since` (one inspection is shared by the timeouts held at the same moment); `undefined`
   * when the queue could not be inspected.
   */
  const queuedBodies = (since: number): Promise<Set<string> | undefined> => {
    if (latest && latest.startedAt > since) return latest.bodies;
    const bodies = options.inspectReceipts().then(
      (queue) => {
        const { ready = [], inflight = [] } = queue?.messages ?? {};
        const raw = [...ready, ...inflight.map((entry) => entry.message)].map(
          (message) => decodeEnvelope(message.body)?.rawBody,
        );
        return new Set(raw.filter((body): body is string => body !== undefined));
      },
      () => undefined,
    );
    latest = { startedAt: Date.now(), bodies };
    return bodies;
  };

  /**
   * Whether a report of the delivery that Sinch sent by `dueAt`, and that `counts`, is still on its way or
   * being worked on.
   */
  const busy = async (
    deliveryId: string,
    dueAt: number,
    counts: (report: ReportRecord) => boolean,
  ): Promise<boolean> => {
    const reports = options.sinch.reports.filter(
      (report) => report.deliveryId === deliveryId && counts(report),
    );
    // Sinch first, then the queue: a report that leaves Sinch's hands is in the queue before Sinch lets go,
    // so an inspection started after this check sees it.
    const checkedAt = Date.now();
    const sending = new Set(options.sinch.sendingBy(deliveryId, dueAt));
    if (reports.some((report) => sending.has(report.body))) return true;
    if (reports.length === 0) return false;
    const bodies = await queuedBodies(checkedAt);
    // A queue that could not be inspected is asked again (until the stack stops).
    if (bodies === undefined) return true;
    return reports.some((report) => bodies.has(report.body) && acknowledgedBy(report, dueAt));
  };

  /** The SMS Sinch accepted for the task of this window: the last one since the task started. */
  const acceptedSend = (deliveryId: string, window: TaskWindow) =>
    options.sinch.sends
      .filter(
        (send) =>
          send.deliveryId === deliveryId &&
          send.httpStatus === 200 &&
          Date.parse(send.at) >= window.startedAt,
      )
      .at(-1);

  /** The deadline in Sinch's terms: the window's length after Sinch accepted the SMS of this task. */
  const deadline = (deliveryId: string, window: TaskWindow): number => {
    const accepted = acceptedSend(deliveryId, window);
    return accepted ? Date.parse(accepted.at) + (window.dueAt - window.startedAt) : window.dueAt;
  };

  /**
   * Only a report that can complete this task counts: a final one, for this attempt. A QUEUED report sent
   * in time and still being processed (in the same batch as a late DELIVERED, say) holds nothing open.
   */
  const completesTask = (deliveryId: string, window: TaskWindow) => {
    const attempt = acceptedSend(deliveryId, window)?.attempt;
    return (report: ReportRecord): boolean =>
      meaningOf(report.status).callback !== undefined &&
      (attempt === undefined || report.attempt === attempt);
  };

  return {
    admits: (deliveryId, window) =>
      busy(deliveryId, deadline(deliveryId, window), completesTask(deliveryId, window)),
    settled: async (deliveryId, window, signal) => {
      const started = Date.now();
      const dueAt = deadline(deliveryId, window);
      const counts = completesTask(deliveryId, window);
      let held = false;
      while (!signal.aborted && (await busy(deliveryId, dueAt, counts))) {
        held = true;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      return held ? Date.now() - started : 0;
    },
  };
}
