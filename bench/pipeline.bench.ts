import { availableParallelism } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { postDelivery } from '../local/send-api-client';
import { SCENARIOS, type Scenario } from '../local/sinch-scenarios';
import { startLocalStack, type LocalStack } from '../local/stack';
import { countAwsRequests, type AwsRequestCounter } from './aws-request-counter';
import {
  billedGbSeconds,
  costOf,
  readUnits,
  scaleUsage,
  shareOfSms,
  writeUnits,
  type Usage,
} from './cost-model';
import { median, percentile, type BenchContext, type BenchRow } from './harness';
import { meterLambdas, type LambdaMeter } from './lambda-meter';
import { OVERHEAD_BUDGET_SHARE, US_SMS_PRICE } from './prices';

/**
 * Issue 8, items 4 and 5: deliveries through the whole local stack in `--fast` mode (every modelled wait
 * ÷20), and what each one cost in AWS requests.
 *
 * 1. A mix of scenarios (mostly delivered at once, some resent, some falling back to email), a fixed
 *    number in flight at a time: deliveries/s, p50/p95 time from the send API call to the end of the
 *    workflow per scenario, and a check that every delivery ended exactly once (its execution succeeded,
 *    its META item holds an outcome, exactly one `DeliveryOutcome` event) and with the scenario's outcome.
 *    Also the CPU time the mix took per delivery, in the stack's process and in each emulator's.
 * 2. Capacity: the same mix with four times as many in flight, so that the modelled waits no longer bound
 *    it; how busy the cores were, and the deliveries/s they could carry at that CPU per delivery.
 * 3. The AWS requests the mix made, counted where they happen (see `aws-request-counter.ts`,
 *    `lambda-meter.ts` and the execution histories), priced per 1,000 deliveries.
 * 4. The same per scenario: a few deliveries of one scenario at a time, so every request belongs to it.
 */
const BENCH = 'pipeline';

/** Deliveries of each scenario per 100 in the mix: what a healthy US route might look like, pessimistically. */
const MIX: Readonly<Record<string, number>> = {
  delivered: 62,
  'duplicate-reports': 5,
  'delivered-before-queued': 3,
  'fails-then-delivers': 8,
  'send-503': 3,
  'send-429': 3,
  'send-400': 2,
  'no-report': 2,
  late: 2,
  'failed-permanent': 4,
  'failed-transient': 2,
  'failed-rate-limited': 1,
  'failed-policy': 1,
  'failed-config': 1,
  'failed-unknown': 1,
};

/** The mix's deliveries/s on an idle machine before the sandbox threads (20 in flight): the baseline of the 2× goal. */
const BASELINE_DELIVERIES_PER_SECOND = 14.1;

/** The local task token is a UUID; an AWS one is much longer, and it is stored on every attempt item. */
const AWS_TASK_TOKEN_BYTES = 1024;

interface Measurement {
  readonly scenario: string;
  readonly deliveryId: string;
  readonly ms: number;
}

function scenarioById(id: string): Scenario {
  const scenario = SCENARIOS.find((s) => s.id === id);
  if (!scenario) throw new Error(`No scenario ${id} in local/sinch-scenarios.ts`);
  return scenario;
}

/** A deterministic interleaving of the mix: scenario of the i-th delivery. */
function mixSequence(count: number): Scenario[] {
  const pool = Object.entries(MIX).flatMap(([id, weight]) => Array<string>(weight).fill(id));
  // A fixed stride coprime to 100 spreads each scenario over the run instead of in blocks.
  return Array.from({ length: count }, (_, i) => scenarioById(pool[(i * 37) % pool.length]!));
}

function executionArn(stack: LocalStack, deliveryId: string): string {
  return `${stack.description.resources.stateMachineArn.replace(':stateMachine:', ':execution:')}:${deliveryId}`;
}

async function deliver(stack: LocalStack, scenario: Scenario, deliveryId: string): Promise<Measurement> {
  const started = performance.now();
  const response = await postDelivery(
    stack.description.functionUrls.send!,
    {
      deliveryId,
      to: scenario.number,
      text: 'Your bench code is 271828',
      email: { to: `${deliveryId}@example.com`, subject: 'Your code', text: 'Your bench code is 271828' },
      expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
    },
    { region: stack.clientConfig.region, credentials: stack.clientConfig.credentials },
  );
  if (response.status !== 202) throw new Error(`${deliveryId}: send API answered ${response.status}`);
  await stack.engine.waitForExecution(executionArn(stack, deliveryId));
  return { scenario: scenario.id, deliveryId, ms: performance.now() - started };
}

/** CPU time used between two readings: this process (its sandbox threads included) and each emulator's. */
interface CpuReading {
  readonly stack: NodeJS.CpuUsage;
  readonly emulators: { dynamodb: NodeJS.CpuUsage; sqs: NodeJS.CpuUsage };
  readonly at: number;
}

async function readCpu(stack: LocalStack): Promise<CpuReading> {
  return { stack: process.cpuUsage(), emulators: await stack.emulatorCpuUsage(), at: performance.now() };
}

/** Milliseconds of CPU per process between two readings, and the wall time between them. */
function cpuBetween(start: CpuReading, end: CpuReading) {
  const ms = (from: NodeJS.CpuUsage, to: NodeJS.CpuUsage) =>
    (to.user - from.user + to.system - from.system) / 1000;
  const stackMs = ms(start.stack, end.stack);
  const dynamodbMs = ms(start.emulators.dynamodb, end.emulators.dynamodb);
  const sqsMs = ms(start.emulators.sqs, end.emulators.sqs);
  return { stackMs, dynamodbMs, sqsMs, totalMs: stackMs + dynamodbMs + sqsMs, wallMs: end.at - start.at };
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function inFlight<T, R>(items: readonly T[], limit: number, work: (item: T, i: number) => Promise<R>) {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next;
      next += 1;
      results[i] = await work(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** Step Functions bills every state entered, and every retry of a task, as a transition. */
function stateTransitions(stack: LocalStack, deliveryIds: readonly string[]): number {
  let transitions = 0;
  for (const id of deliveryIds) {
    const history = stack.engine.getExecutionHistory(executionArn(stack, id));
    const entered = history.filter((e) => String(e.type).endsWith('StateEntered')).length;
    const taskEntries = history.filter((e) => e.type === 'TaskStateEntered').length;
    const scheduled = history.filter((e) => e.type === 'TaskScheduled').length;
    transitions += entered + Math.max(0, scheduled - taskEntries);
  }
  return transitions;
}

interface Meters {
  readonly requests: AwsRequestCounter;
  readonly lambdas: LambdaMeter;
  logBytes: number;
}

function reset(meters: Meters): void {
  meters.requests.reset();
  meters.lambdas.reset();
  meters.logBytes = 0;
}

/** What the deliveries since the last reset used; DynamoDB units from the measured item sizes. */
function usageOf(
  stack: LocalStack,
  meters: Meters,
  deliveryIds: readonly string[],
  itemBytes: number,
): Usage {
  const { requests } = meters;
  const dynamo = requests.counts().dynamodb ?? {};
  const writes = (dynamo.PutItem ?? 0) + (dynamo.UpdateItem ?? 0) + (dynamo.DeleteItem ?? 0);
  // GetItem strongly consistent where the code asks for it is not visible here: count every read as strong.
  const reads = (dynamo.GetItem ?? 0) + (dynamo.Query ?? 0);
  return {
    lambdaInvocations: Object.values(meters.lambdas.invocations()).reduce((a, b) => a + b, 0),
    lambdaGbSeconds: meters.lambdas.gbSeconds(),
    sqsRequests: requests.total('sqs'),
    stateTransitions: stateTransitions(stack, deliveryIds),
    dynamoDbWriteUnits: writes * writeUnits(itemBytes),
    dynamoDbReadUnits: reads * readUnits(itemBytes, true),
    sesEmails: requests.total('ses'),
    eventBridgeEvents: requests.total('eventbridge', 'PutEvents'),
    // The benchmark's stack runs without the secondary provider.
    secondarySmsParts: 0,
    logBytes: meters.logBytes,
  };
}

/** DynamoDB's item size: attribute names plus values (numbers and nesting approximated as their JSON). */
function itemSize(item: Record<string, unknown>): number {
  return Object.entries(item).reduce(
    (size, [name, value]) =>
      size +
      Buffer.byteLength(name) +
      Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value)),
    0,
  );
}

async function readTable(stack: LocalStack): Promise<Record<string, unknown>[]> {
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...stack.clientConfig, endpoint: stack.description.endpoints.dynamodb }),
  );
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({ TableName: stack.description.resources.deliveriesTable!, ExclusiveStartKey }),
    );
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  documents.destroy();
  return items;
}

function costRows(label: string, usage: Usage, deliveries: number): BenchRow[] {
  const perThousand = scaleUsage(usage, 1000 / deliveries);
  const { lines, totalUsd } = costOf(perThousand);
  const perDelivery = totalUsd / 1000;
  return [
    ...lines.map((line): BenchRow => ({
      bench: BENCH,
      case: `cost ${label}: ${line.item} per 1,000 deliveries (${Number(line.quantity.toPrecision(4))} ${line.unit})`,
      value: line.usd,
      unit: 'USD',
    })),
    { bench: BENCH, case: `cost ${label}: AWS per 1,000 deliveries`, value: totalUsd, unit: 'USD' },
    {
      bench: BENCH,
      case: `cost ${label}: AWS per delivery / one US SMS ($${US_SMS_PRICE.usd})`,
      value: shareOfSms(perDelivery) * 100,
      unit: '%',
      goal: { max: OVERHEAD_BUDGET_SHARE * 100 },
    },
  ];
}

export default async function run(context: BenchContext): Promise<BenchRow[]> {
  const total = context.quick ? 100 : 1000;
  const concurrency = context.quick ? 10 : 20;
  const capacityTotal = context.quick ? 100 : 600;
  const capacityInFlight = context.quick ? 40 : 80;
  const cores = availableParallelism();
  const perScenario = context.quick ? 2 : 3;

  const stack = await startLocalStack({ fast: true, stackFile: false, root: context.root });
  const meters: Meters = {
    requests: countAwsRequests({
      // The functions and the event source reach fauxqs directly; the front serves other clients.
      sqs: [stack.description.endpoints.sqs, stack.sqs.directEndpoint],
      dynamodb: stack.description.endpoints.dynamodb,
      ses: stack.description.endpoints.ses,
      ssm: stack.description.endpoints.ssm,
      stepfunctions: stack.description.endpoints.stepfunctions,
      eventbridge: stack.description.endpoints.eventbridge,
    }),
    lambdas: meterLambdas(
      stack.host.runtimes,
      Object.fromEntries(stack.manifest.functions.map((fn) => [fn.key, fn.memorySize])),
    ),
    logBytes: 0,
  };
  const functionKeys = new Set(stack.manifest.functions.map((fn) => fn.key));
  let logsSeen = 0;
  const countLogs = (): void => {
    for (; logsSeen < stack.logs.length; logsSeen += 1) {
      const entry = stack.logs[logsSeen]!;
      if (functionKeys.has(entry.source)) meters.logBytes += Buffer.byteLength(entry.line) + 1;
    }
  };

  try {
    // Warm-up: every function has run once and read its SSM parameters before anything is timed or counted.
    await deliver(stack, scenarioById('delivered'), 'bench-warmup');
    await stack.sinch.idle();
    countLogs();
    reset(meters);

    const sequence = mixSequence(total);
    const cpuStart = await readCpu(stack);
    const measured = await inFlight(sequence, concurrency, (scenario, i) =>
      deliver(stack, scenario, `bench-mix-${i}`),
    );
    const mixCpu = cpuBetween(cpuStart, await readCpu(stack));
    const seconds = mixCpu.wallMs / 1000;
    // Late reports and duplicate webhooks still arrive after the workflows ended; they are part of the cost.
    await stack.sinch.idle();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    countLogs();
    const mixIds = measured.map((m) => m.deliveryId);
    const mixCounts = meters.requests.counts();
    const mixMeters = {
      invocations: meters.lambdas.invocations(),
      logBytes: meters.logBytes,
      transitions: stateTransitions(stack, mixIds),
    };

    // Capacity: the same mix with enough in flight that the modelled waits no longer bound it, so the
    // machine's cores do. CPU time over wall time says how busy they were.
    const capacitySequence = mixSequence(capacityTotal);
    const capacityStart = await readCpu(stack);
    const capacityMeasured = await inFlight(capacitySequence, capacityInFlight, (scenario, i) =>
      deliver(stack, scenario, `bench-capacity-${i}`),
    );
    const capacityCpu = cpuBetween(capacityStart, await readCpu(stack));
    await stack.sinch.idle();
    await new Promise((resolve) => setTimeout(resolve, 1500));

    // Exactly one outcome per delivery, and the one the scenario promises, in both runs.
    const items = await readTable(stack);
    const outcomeEvents = new Map<string, number>();
    for (const event of stack.events.events) {
      const id = (event.detail as { deliveryId?: string }).deliveryId ?? '';
      outcomeEvents.set(id, (outcomeEvents.get(id) ?? 0) + 1);
    }
    const meta = new Map(items.filter((item) => item.SK === 'META').map((item) => [String(item.PK), item]));
    let lost = 0;
    let duplicated = 0;
    let unexpected = 0;
    const runs = [
      { measured, sequence },
      { measured: capacityMeasured, sequence: capacitySequence },
    ];
    for (const run of runs) {
      run.measured.forEach(({ deliveryId }, i) => {
        const status = stack.engine.describeExecution(executionArn(stack, deliveryId)).status;
        const outcome = meta.get(`D#${deliveryId}`)?.outcome;
        const events = outcomeEvents.get(deliveryId) ?? 0;
        if (status !== 'SUCCEEDED' || !outcome || events === 0) lost += 1;
        if (events > 1) duplicated += 1;
        if (outcome && outcome !== run.sequence[i]!.expected.outcome) unexpected += 1;
      });
    }

    // Item sizes as AWS would store them: the attempt items carry an AWS-sized task token.
    const sizes = items.map((item) => {
      const token = typeof item.taskToken === 'string' ? item.taskToken : '';
      return itemSize(item) + (token ? Math.max(0, AWS_TASK_TOKEN_BYTES - token.length) : 0);
    });
    const itemBytes = percentile(sizes, 95);

    const rows: BenchRow[] = [
      {
        bench: BENCH,
        case: `${total} deliveries (mix, ${concurrency} in flight): throughput`,
        value: total / seconds,
        unit: 'deliveries/s',
        // The goal holds at the full run's settings, not at a quick run's few in flight.
        ...(context.quick ? {} : { goal: { min: 2 * BASELINE_DELIVERIES_PER_SECOND } }),
        note: `goal: 2× the ${BASELINE_DELIVERIES_PER_SECOND}/s measured before the sandbox threads, idle machine`,
      },
      {
        bench: BENCH,
        case: 'CPU per delivery (mix): all processes',
        value: mixCpu.totalMs / total,
        unit: 'ms',
      },
      {
        bench: BENCH,
        case: 'CPU per delivery (mix): the stack process (sandbox threads, stand-ins, engine, this benchmark)',
        value: mixCpu.stackMs / total,
        unit: 'ms',
      },
      {
        bench: BENCH,
        case: 'CPU per delivery (mix): dynalite',
        value: mixCpu.dynamodbMs / total,
        unit: 'ms',
      },
      { bench: BENCH, case: 'CPU per delivery (mix): fauxqs', value: mixCpu.sqsMs / total, unit: 'ms' },
      {
        bench: BENCH,
        case: `capacity: ${capacityTotal} deliveries (mix, ${capacityInFlight} in flight): throughput`,
        value: capacityTotal / (capacityCpu.wallMs / 1000),
        unit: 'deliveries/s',
      },
      {
        bench: BENCH,
        case: `capacity: cores busy (CPU time / wall time; the machine has ${cores})`,
        value: capacityCpu.totalMs / capacityCpu.wallMs,
        unit: 'cores',
      },
      {
        bench: BENCH,
        case: "capacity: deliveries/s the machine's cores allow at that run's CPU per delivery",
        value: (cores * 1000) / (capacityCpu.totalMs / capacityTotal),
        unit: 'deliveries/s',
      },
      {
        bench: BENCH,
        case: 'lost outcomes (no outcome, or execution not SUCCEEDED)',
        value: lost,
        unit: 'deliveries',
        goal: { max: 0 },
      },
      {
        bench: BENCH,
        case: 'duplicated outcomes (more than one DeliveryOutcome event)',
        value: duplicated,
        unit: 'deliveries',
        goal: { max: 0 },
      },
      {
        bench: BENCH,
        case: "outcome other than the scenario's expected one",
        value: unexpected,
        unit: 'deliveries',
      },
    ];
    for (const id of Object.keys(MIX)) {
      const times = measured.filter((m) => m.scenario === id).map((m) => m.ms);
      if (times.length === 0) continue;
      rows.push(
        {
          bench: BENCH,
          case: `time to outcome p50, ${id} (n=${times.length})`,
          value: median(times),
          unit: 'ms',
        },
        {
          bench: BENCH,
          case: `time to outcome p95, ${id} (n=${times.length})`,
          value: percentile(times, 95),
          unit: 'ms',
        },
      );
    }

    // The mix's cost, from the counts of the timed run.
    const dynamo = mixCounts.dynamodb ?? {};
    const writes = (dynamo.PutItem ?? 0) + (dynamo.UpdateItem ?? 0) + (dynamo.DeleteItem ?? 0);
    const reads = (dynamo.GetItem ?? 0) + (dynamo.Query ?? 0);
    const sum = (byOperation: Record<string, number> | undefined) =>
      Object.values(byOperation ?? {}).reduce((a, b) => a + b, 0);
    const mixUsage: Usage = {
      lambdaInvocations: Object.values(mixMeters.invocations).reduce((a, b) => a + b, 0),
      lambdaGbSeconds: 0,
      sqsRequests: sum(mixCounts.sqs),
      stateTransitions: mixMeters.transitions,
      dynamoDbWriteUnits: writes * writeUnits(itemBytes),
      dynamoDbReadUnits: reads * readUnits(itemBytes, true),
      sesEmails: sum(mixCounts.ses),
      eventBridgeEvents: mixCounts.eventbridge?.PutEvents ?? 0,
      secondarySmsParts: 0,
      logBytes: mixMeters.logBytes,
    };
    const perThousandCounts = Object.entries(mixCounts).flatMap(([service, ops]) =>
      Object.entries(ops).map(([op, n]): BenchRow => ({
        bench: BENCH,
        case: `requests per 1,000 deliveries (mix): ${service} ${op}`,
        value: (n * 1000) / total,
        unit: 'requests',
      })),
    );
    const invocationRows = Object.entries(mixMeters.invocations).map(([key, n]): BenchRow => ({
      bench: BENCH,
      case: `requests per 1,000 deliveries (mix): lambda ${key} invocations`,
      value: (n * 1000) / total,
      unit: 'requests',
    }));
    rows.push(...perThousandCounts, ...invocationRows, {
      bench: BENCH,
      case: 'requests per 1,000 deliveries (mix): Step Functions state transitions',
      value: (mixMeters.transitions * 1000) / total,
      unit: 'transitions',
    });

    // Per scenario: a few deliveries of one scenario alone, so every counted request is its own.
    const quietDurations: Record<string, number[]> = {};
    const scenarioRows: BenchRow[] = [];
    for (const scenario of SCENARIOS) {
      countLogs();
      reset(meters);
      const ids = Array.from({ length: perScenario }, (_, i) => `bench-${scenario.id}-${i}`);
      await Promise.all(ids.map((id) => deliver(stack, scenario, id)));
      await stack.sinch.idle();
      await new Promise((resolve) => setTimeout(resolve, 500));
      countLogs();
      const usage = usageOf(stack, meters, ids, itemBytes);
      for (const [key, list] of Object.entries(meters.lambdas.durations())) {
        (quietDurations[key] ??= []).push(...list);
      }
      const { totalUsd } = costOf(scaleUsage(usage, 1000 / perScenario));
      scenarioRows.push(
        {
          bench: BENCH,
          case: `cost ${scenario.id}: AWS per 1,000 deliveries (${Number((usage.stateTransitions / perScenario).toFixed(1))} transitions, ${Number((usage.lambdaInvocations / perScenario).toFixed(1))} invocations, ${Number((usage.sqsRequests / perScenario).toFixed(1))} SQS requests each)`,
          value: totalUsd,
          unit: 'USD',
        },
        {
          bench: BENCH,
          case: `cost ${scenario.id}: AWS per delivery / one US SMS`,
          value: shareOfSms(totalUsd / 1000) * 100,
          unit: '%',
        },
      );
    }
    // Under the mix's load a local invocation mostly waits for a container and for a core; the GB-seconds use each function's median duration with one scenario at a time instead.
    const memory = Object.fromEntries(stack.manifest.functions.map((fn) => [fn.key, fn.memorySize]));
    const mixGbSeconds = Object.entries(mixMeters.invocations).reduce(
      (sum, [key, n]) => sum + n * billedGbSeconds(median(quietDurations[key] ?? [1]), memory[key] ?? 128),
      0,
    );
    rows.push(...costRows('mix', { ...mixUsage, lambdaGbSeconds: mixGbSeconds }, total));
    for (const [key, list] of Object.entries(quietDurations)) {
      rows.push({
        bench: BENCH,
        case: `Lambda duration p50, ${key} (one scenario at a time, local)`,
        value: median(list),
        unit: 'ms',
      });
    }
    rows.push(...scenarioRows);
    return rows;
  } finally {
    meters.requests.stop();
    await stack.stop();
  }
}
