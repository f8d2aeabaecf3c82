import { encodeEnvelope } from '../../../lib/receipts/receipt-envelope';
import { createReceiptWindow } from '../../../local/receipt-window';
import type { ReportRecord, SendRecord } from '../../../local/sinch-simulator';
import type { QueueInspection } from '../../../local/sqs-emulator';

/** When the scaled receipt timeout was due. */
const DUE_AT = Date.parse('2026-12-02T12:00:03.000Z');

/** A report Sinch sent for a delivery, acknowledged by the ingress at a try that started at `sentAt`. */
function aReport(
  deliveryId: string,
  body: string,
  sentAt = '2026-12-02T12:00:00.100Z',
  status: ReportRecord['status'] = 'DELIVERED',
): ReportRecord {
  return {
    messageId: `m-${body}`,
    deliveryId,
    attempt: 1,
    status,
    eventTime: sentAt,
    body,
    dropped: false,
    delivery: {
      url: 'http://127.0.0.1/',
      body,
      tries: [{ at: sentAt, status: 200 }],
      state: 'acknowledged',
      reachedReceiver: true,
    },
  };
}

function aQueue(ready: string[], inflight: string[] = []): QueueInspection {
  const message = (rawBody: string, i: number) => ({
    messageId: `q-${i}`,
    body: encodeEnvelope({ receivedAt: '2026-12-02T12:00:00.000Z', rawBody }),
  });
  return {
    name: 'receipts',
    messages: {
      ready: ready.map(message),
      delayed: [],
      inflight: inflight.map((body, i) => ({ message: message(body, i) })),
    },
  };
}

/** A stand-in for the stack's pipeline whose state each test moves by hand. */
function aPipeline() {
  const state = {
    reports: [] as ReportRecord[],
    /** Bodies Sinch is still sending (due, on the wire, or with a retry due) by the deadline. */
    sending: new Set<string>(),
    queue: aQueue([]),
    sends: [] as SendRecord[],
  };
  const window = createReceiptWindow({
    sinch: {
      get reports() {
        return state.reports;
      },
      get sends() {
        return state.sends;
      },
      sendingBy: (deliveryId, by) =>
        state.reports
          .filter((r) => r.deliveryId === deliveryId && by === DUE_AT && state.sending.has(r.body))
          .map((r) => r.body),
    },
    inspectReceipts: () => Promise.resolve(state.queue),
  });
  return { state, window };
}

/** Whether `promise` has settled after the window has had time to look a few times. */
async function settledSoon(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setTimeout(resolve, 120));
  return done;
}

const settle = (window: ReturnType<typeof aPipeline>['window'], signal = new AbortController().signal) =>
  window.settled('d-1', { startedAt: DUE_AT - 3000, dueAt: DUE_AT }, signal);

describe('the receipt window (work takes no modelled time)', () => {
  it('lets the timeout fire at once when no report of the delivery is on its way', async () => {
    const { state, window } = aPipeline();
    state.reports.push(aReport('d-1', 'done'));

    await expect(settle(window)).resolves.toBe(0);
  });

  it('holds the timeout while Sinch is still sending a report it sent before the deadline', async () => {
    // Prepare
    const { state, window } = aPipeline();
    state.reports.push(aReport('d-1', 'sending'));
    state.sending.add('sending');

    // Act
    const settled = settle(window);

    // Assess
    expect(await settledSoon(settled)).toBe(false);
    state.sending.delete('sending');
    await expect(settled).resolves.toBeGreaterThan(0);
  });

  it('holds it while such a report waits in the receipts queue or is being processed', async () => {
    // Prepare
    const { state, window } = aPipeline();
    state.reports.push(aReport('d-1', 'queued'), aReport('d-1', 'processing'));
    state.queue = aQueue(['queued'], ['processing']);

    // Act
    const settled = settle(window);

    // Assess
    expect(await settledSoon(settled)).toBe(false);
    state.queue = aQueue([], ['processing']);
    expect(await settledSoon(settled)).toBe(false);
    state.queue = aQueue([]);
    await expect(settled).resolves.toBeGreaterThan(0);
  });

  it('does not hold it for a late report, one Sinch sent after the deadline', async () => {
    const { state, window } = aPipeline();
    state.reports.push(aReport('d-1', 'late', '2026-12-02T12:00:03.750Z'));
    state.queue = aQueue(['late']);

    await expect(settle(window)).resolves.toBe(0);
  });

  it('counts the deadline from when Sinch accepted the SMS, however long the send took', async () => {
    // Prepare: the task started 3 s before DUE_AT, but Sinch accepted the SMS only 2 s later
    const { state, window } = aPipeline();
    state.sends.push({
      at: new Date(DUE_AT - 1000).toISOString(),
      recipient: '+46701740610',
      scenario: 'delivered',
      httpStatus: 200,
      deliveryId: 'd-1',
      attempt: 1,
    });
    state.reports.push(aReport('d-1', 'after-a-slow-send', new Date(DUE_AT + 100).toISOString()));
    state.queue = aQueue(['after-a-slow-send']);

    // Act
    const settled = settle(window);

    // Assess
    expect(await settledSoon(settled)).toBe(false);
    state.queue = aQueue([]);
    await expect(settled).resolves.toBeGreaterThan(0);
  });

  it("does not hold it for another delivery's reports", async () => {
    const { state, window } = aPipeline();
    state.reports.push(aReport('d-2', 'other'));
    state.sending.add('other');
    state.queue = aQueue(['other']);

    await expect(settle(window)).resolves.toBe(0);
  });

  it('stops holding when the stack stops', async () => {
    // Prepare
    const { state, window } = aPipeline();
    state.reports.push(aReport('d-1', 'sending'));
    state.sending.add('sending');
    const stopping = new AbortController();

    // Act
    const settled = settle(window, stopping.signal);
    stopping.abort();

    // Assess
    expect(await settledSoon(settled)).toBe(true);
  });

  it('admits a completion past the deadline only for a report Sinch sent in time that is being worked on', async () => {
    // Prepare
    const { state, window } = aPipeline();
    const admits = () => window.admits('d-1', { startedAt: DUE_AT - 3000, dueAt: DUE_AT });
    state.reports.push(aReport('d-1', 'in-time'), aReport('d-1', 'late', '2026-12-02T12:00:03.750Z'));

    // Act & Assess: the late report being processed finds the window closed…
    state.queue = aQueue([], ['late']);
    await expect(admits()).resolves.toBe(false);
    // …while the report sent in time, being processed, still gets in
    state.queue = aQueue([], ['in-time']);
    await expect(admits()).resolves.toBe(true);
  });

  it('does not admit a late final report because a QUEUED one sent in time is still being processed', async () => {
    const { state, window } = aPipeline();
    state.reports.push(
      aReport('d-1', 'queued-in-time', '2026-12-02T12:00:00.100Z', 'QUEUED_ON_CHANNEL'),
      aReport('d-1', 'late', '2026-12-02T12:00:03.750Z'),
    );
    state.queue = aQueue([], ['queued-in-time', 'late']);

    await expect(window.admits('d-1', { startedAt: DUE_AT - 3000, dueAt: DUE_AT })).resolves.toBe(false);
  });
});
