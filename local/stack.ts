import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ulid } from 'ulid';
import './promise-with-resolvers';
import { createQueues, createTables, type LocalQueue, type LocalTable } from './cloud-resources';
import { createLocalReferences } from './local-references';
import { startDynamoDbEmulator } from './dynamodb-emulator';
import { startDynamoDbFaultProxy } from './dynamodb-fault-proxy';
import { createFaultInjector, type FaultCounts } from './fault-injector';
import { formatFaults, validateFaults, type Faults } from './faults';
import { startEventBridgeStandIn, type EventBridgeStandIn } from './eventbridge-stand-in';
import { startAwsSmsStandIn, type AwsSmsStandIn } from './aws-sms-stand-in';
import { eventRules, matchesEventPattern } from './event-rules';
import { bundleFunctions } from './lambda-bundler';
import { startLambdaHost, type LambdaHost } from './lambda-host';
import {
  findProjectRoot,
  loadServerlessManifest,
  resolveIntrinsics,
  type FunctionDefinition,
  type ServerlessManifest,
} from './serverless-manifest';
import { createReceiptWindow } from './receipt-window';
import { withScaledTaskTimeouts } from './scaled-task-timeouts';
import { startSesEmulator, type SesEmulator } from './ses-emulator';
import { startSesFaultProxy } from './ses-fault-proxy';
import type { ServiceProxy } from './service-proxy';
import {
  DEFAULT_CHAOS,
  startSinchSimulator,
  type ChaosOptions,
  type SinchSimulator,
} from './sinch-simulator';
import { scenarioTable, type ScenarioRow } from './sinch-scenarios';
import { startSqsEmulator, type SqsEmulator } from './sqs-emulator';
import { startSsmStandIn, type SsmStandIn } from './ssm-stand-in';
import { startStepFunctionsStandIn } from './stepfunctions-stand-in';
import { FAST_TIME_DIVISOR } from './time-scale';
import { createWorkflowEngine, type LocalTaskHandler, type WorkflowEngine } from './workflow-engine';
import type { JsonValue } from './asl-definition';

/**
 * The whole system on one machine, with no AWS account: every emulator and stand-in on 127.0.0.1, the
 * real handlers from `serverless.yml` in a local Lambda host, the real ASL in the local workflow engine,
 * and a simulated Sinch that sends signed delivery reports back to the real ingress. `npm start` runs it
 * from the command line; tests start it in-process on free ports.
 *
 * | part on AWS            | stand-in here                                      |
 * |------------------------|----------------------------------------------------|
 * | Lambda + Function URLs | `lambda-host.ts` (bundled handlers, v2 URL events)  |
 * | SQS + DLQ              | fauxqs (child process) behind `sqs-front.ts`       |
 * | DynamoDB               | dynalite (in memory)                               |
 * | SES                    | aws-ses-v2-local (with a mail web view)            |
 * | Step Functions         | `workflow-engine.ts` behind `stepfunctions-stand-in.ts` |
 * | SSM Parameter Store    | `ssm-stand-in.ts`                                  |
 * | EventBridge            | `eventbridge-stand-in.ts`                          |
 * | Sinch                  | `sinch-simulator.ts`                               |
 *
 * `faults` injects AWS-side faults (`faults.ts`): the functions' DynamoDB and SES traffic then goes through
 * fault proxies, their SQS traffic through the SQS front, and the host, the Step Functions stand-in and
 * the simulated Sinch draw theirs from the same seeded injector (`fault-injector.ts`). Without faults, no
 * proxy is in the functions' path.
 */

export const LOCAL_STAGE = 'local';
const ACCOUNT_ID = '000000000000';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
/** The sender of the fallback emails: the one identity a sandboxed SES (`ses-sandbox`) has verified. */
export const LOCAL_EMAIL_FROM = 'no-reply@receipt-driven-sms.example.com';
/** The secondary provider's params on a stack with `failover` on: one pool, one configuration set. */
export const LOCAL_SECONDARY_PARAMS = {
  secondarySmsProvider: 'aws-sms',
  awsSmsOriginationIdentityArn: `arn:aws:sms-voice:us-east-1:000000000000:pool/pool-local`,
  awsSmsConfigurationSet: 'receipt-driven-sms-local',
} as const;

/** Port offsets from `--port-base`, so a fixed base gives stable, documented URLs. */
export const PORT_OFFSETS = {
  sinch: 0,
  sqs: 1,
  dynamodb: 2,
  ses: 3,
  ssm: 4,
  stepfunctions: 5,
  eventbridge: 6,
  /** AWS End User Messaging SMS, with `failover` on. */
  awsSms: 7,
  /** Function URLs follow, one port each, in the order of `functions:` in serverless.yml. */
  functionUrls: 10,
} as const;

export interface LocalStackOptions {
  /** Divides every modelled wait by {@link FAST_TIME_DIVISOR} (see `time-scale.ts`). */
  readonly fast?: boolean;
  /**
   * Divides every modelled wait by this instead (implies `fast`). Outcomes do not depend on it: a receipt
   * timeout waits for a report already on its way (`receipt-window.ts`), however slow the machine.
   */
  readonly timeDivisor?: number;
  /** Fixed ports from this base (see {@link PORT_OFFSETS}); free ports when absent. */
  readonly portBase?: number;
  /** Random duplicates, reordering, dropped reports and webhook 5xx from the simulated Sinch. */
  readonly chaos?: boolean | ChaosOptions;
  /** Seed of the chaos and the faults; the same seed replays the same draws. */
  readonly seed?: number;
  /**
   * AWS-side faults to inject (`faults.ts`; `parseFaults` reads the `--faults` form). Each injected fault is
   * counted ({@link LocalStack.faultCounts}) and logged as one `faults` line.
   */
  readonly faults?: Faults;
  /** Where `serverless.yml` is; found from the working directory when absent. */
  readonly root?: string;
  /** Where to write the stack description; `.local/stack.json` by default, `false` for none. */
  readonly stackFile?: string | false;
  /** Called for every log line (function logs and the stack's own), e.g. to print them. */
  readonly onLog?: (entry: LogEntry) => void;
  /** Containers per function at most. */
  readonly maxConcurrency?: number;
  /**
   * Turns the secondary SMS provider on (`secondarySmsProvider: aws-sms`): an AWS End User Messaging SMS
   * stand-in, its delivery events through the stage's EventBridge rule, and the breaker on Sinch. The
   * breaker's params can be given too, like any other (`params`).
   */
  readonly failover?: boolean;
  /** Params over `serverless.yml`'s, like `--param="name=value"`. */
  readonly params?: Readonly<Record<string, string | number>>;
}

export interface LogEntry {
  readonly at: string;
  /** A function key (`ingress`, `processor` …) or a stack part (`sinch`, `host`, `faults`). */
  readonly source: string;
  readonly line: string;
}

/** What `.local/stack.json` holds, so the CLI (`--local`), the demo and other tools can attach. */
export interface StackDescription {
  readonly startedAt: string;
  readonly pid: number;
  readonly fast: boolean;
  readonly timeDivisor: number;
  readonly stage: string;
  readonly region: string;
  readonly endpoints: {
    readonly sqs: string;
    readonly dynamodb: string;
    readonly ses: string;
    readonly mailView: string;
    readonly ssm: string;
    readonly stepfunctions: string;
    readonly eventbridge: string;
    readonly sinch: string;
    /** With `failover` on only. */
    readonly awsSms?: string;
  };
  /** Function URL by function key (`ingress`, `send`). */
  readonly functionUrls: Readonly<Record<string, string>>;
  readonly resources: {
    readonly deliveriesTable?: string;
    readonly receiptsQueueUrl?: string;
    readonly receiptsDlqUrl?: string;
    readonly stateMachineArn: string;
    readonly queues: Readonly<Record<string, string>>;
    readonly tables: Readonly<Record<string, string>>;
  };
  /** SSM parameter names the functions read, with the stand-in holding them. */
  readonly ssmParameters: Readonly<Record<string, string>>;
  /** The secret the simulated Sinch signs webhooks with (the ingress reads it from SSM). */
  readonly webhookSecret: string;
  readonly sinch: { readonly projectId: string; readonly appId: string; readonly url: string };
  /** The environment that points an AWS SDK (or the AWS CLI) at this stack. */
  readonly awsEnvironment: Readonly<Record<string, string>>;
  readonly scenarios: readonly ScenarioRow[];
  /** The injected faults, as `--faults` items (normalised, in the documented order); empty for none. */
  readonly faults: readonly string[];
}

export interface LocalStack {
  readonly description: StackDescription;
  readonly manifest: ServerlessManifest;
  readonly sinch: SinchSimulator;
  readonly engine: WorkflowEngine;
  readonly host: LambdaHost;
  readonly ses: SesEmulator;
  readonly sqs: SqsEmulator;
  readonly ssm: SsmStandIn;
  readonly events: EventBridgeStandIn;
  /** The secondary provider's stand-in, with `failover` on. */
  readonly awsSms?: AwsSmsStandIn;
  readonly queues: Readonly<Record<string, LocalQueue>>;
  readonly tables: Readonly<Record<string, LocalTable>>;
  /** Every log line so far, functions' and the stack's. */
  readonly logs: readonly LogEntry[];
  /** The faults this stack injects (validated). */
  readonly faults: Faults;
  /** How often each fault was injected so far (0 for those that are off). */
  faultCounts(): FaultCounts;
  /**
   * The CPU time the emulators in child processes (dynalite, fauxqs) have used so far; everything else runs
   * in this process (its sandbox threads included), whose own figure is `process.cpuUsage()`.
   */
  emulatorCpuUsage(): Promise<{ dynamodb: NodeJS.CpuUsage; sqs: NodeJS.CpuUsage }>;
  /** Region, endpoint-free credentials: pass to an SDK client together with an `endpoint` from `description`. */
  readonly clientConfig: { region: string; credentials: typeof CREDENTIALS };
  stop(): Promise<void>;
}

/** Function env values that name SSM parameters, and what the stack stores in each. */
interface Secrets {
  readonly webhookSecret: string;
  readonly sinchKeyId: string;
  readonly sinchKeySecret: string;
  readonly recipientHashKey: string;
}

function ssmValueFor(variable: string, secrets: Secrets): string | undefined {
  switch (variable) {
    case 'WEBHOOK_SECRETS_PARAM':
      return secrets.webhookSecret;
    case 'SINCH_CREDENTIALS_PARAM':
      return JSON.stringify({ keyId: secrets.sinchKeyId, keySecret: secrets.sinchKeySecret });
    case 'RECIPIENT_HASH_KEY_PARAM':
      return secrets.recipientHashKey;
    default:
      return undefined;
  }
}

/**
 * Starts parts in parallel and registers each one's `stop`, also when another part fails to start, so a
 * failed start leaves nothing running.
 */
async function startAll<T extends readonly Promise<{ stop(): Promise<void> }>[]>(
  stoppers: (() => Promise<void>)[],
  starting: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(starting);
  for (const result of settled) if (result.status === 'fulfilled') stoppers.push(() => result.value.stop());
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

/**
 * Starts the local stack.
 *
 * @example
 * const stack = await startLocalStack({ fast: true, stackFile: false });
 * await fetch(stack.description.functionUrls.send, { method: 'POST', … });
 * await stack.stop();
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const root = options.root ?? findProjectRoot(process.cwd());
  const divisor = options.timeDivisor ?? (options.fast ? FAST_TIME_DIVISOR : 1);
  if (!(divisor >= 1)) throw new Error('timeDivisor must be at least 1');
  const faults = validateFaults(options.faults ?? {});
  const fast = divisor > 1;
  const factor = 1 / divisor;
  const port = (offset: number): number | undefined =>
    options.portBase === undefined ? undefined : options.portBase + offset;
  const logs: LogEntry[] = [];
  const log = (source: string, line: string): void => {
    const entry = { at: new Date().toISOString(), source, line };
    logs.push(entry);
    options.onLog?.(entry);
  };
  const injector = createFaultInjector({ faults, seed: options.seed, log: (line) => log('faults', line) });

  const sinchProject = randomUUID();
  const sinchApp = ulid();
  const secrets: Secrets = {
    webhookSecret: randomBytes(32).toString('base64url'),
    sinchKeyId: randomUUID(),
    sinchKeySecret: randomBytes(24).toString('base64url'),
    recipientHashKey: randomBytes(32).toString('base64'),
  };
  const manifest = loadServerlessManifest({
    root,
    stage: LOCAL_STAGE,
    params: {
      sinchProjectId: sinchProject,
      sinchAppId: sinchApp,
      emailFrom: LOCAL_EMAIL_FROM,
      ...(options.failover && LOCAL_SECONDARY_PARAMS),
      ...options.params,
    },
  });
  const region = manifest.region;

  const stoppers: (() => Promise<void>)[] = [];
  stoppers.push(async () => injector.stop());
  const stopAll = async (): Promise<void> => {
    for (const stop of stoppers.splice(0).reverse()) {
      await stop().catch((error: unknown) => log('host', `stopping: ${String(error)}`));
    }
  };

  try {
    // Bundling takes a few seconds; the emulators start meanwhile.
    const bundling = bundleFunctions(manifest, manifest.functions, join(root, '.local', 'build', 'bundles'));
    const chaos = options.chaos === true ? DEFAULT_CHAOS : options.chaos || undefined;

    const [sqs, dynamodb, ses, ssm, events, sinch] = await startAll(stoppers, [
      startSqsEmulator({ root, port: port(PORT_OFFSETS.sqs), injector }),
      startDynamoDbEmulator({ root, port: port(PORT_OFFSETS.dynamodb) }),
      startSesEmulator({ port: port(PORT_OFFSETS.ses) }),
      startSsmStandIn({ port: port(PORT_OFFSETS.ssm), region }),
      startEventBridgeStandIn({ port: port(PORT_OFFSETS.eventbridge) }),
      startSinchSimulator({
        projectId: sinchProject,
        appId: sinchApp,
        keyId: secrets.sinchKeyId,
        keySecret: secrets.sinchKeySecret,
        webhookSecret: secrets.webhookSecret,
        factor,
        chaos,
        seed: options.seed,
        port: port(PORT_OFFSETS.sinch),
        log: (line) => log('sinch', line),
        faults: injector,
      }),
    ] as const);

    // The functions' traffic goes through a fault proxy only while a fault needs one.
    const startProxy = async (
      needed: boolean,
      start: () => Promise<ServiceProxy>,
    ): Promise<ServiceProxy | undefined> => {
      if (!needed) return undefined;
      const proxy = await start();
      stoppers.push(proxy.stop);
      return proxy;
    };
    const dynamoDbProxy = await startProxy(injector.isOn('dynamodb-throttle'), () =>
      startDynamoDbFaultProxy({ target: dynamodb.endpoint, injector }),
    );
    const sesProxy = await startProxy(injector.isOn('ses-sandbox') || injector.isOn('ses-throttle'), () =>
      startSesFaultProxy({ target: ses.endpoint, injector, verifiedIdentities: [LOCAL_EMAIL_FROM], region }),
    );
    const functionEndpoints = {
      sqs: injector.isOn('sqs-outage') ? sqs.endpoint : sqs.directEndpoint,
      dynamodb: dynamoDbProxy?.endpoint ?? dynamodb.endpoint,
      ses: sesProxy?.endpoint ?? ses.endpoint,
    };

    // Through the SQS front, so the queue URLs name its port; the event source polls fauxqs directly.
    const sqsClient = new SQSClient({ region, endpoint: sqs.endpoint, credentials: CREDENTIALS });
    const eventSourceSqsClient = new SQSClient({
      region,
      endpoint: sqs.directEndpoint,
      credentials: CREDENTIALS,
    });
    const dynamoClient = new DynamoDBClient({
      region,
      endpoint: dynamodb.endpoint,
      credentials: CREDENTIALS,
    });
    stoppers.push(async () => {
      sqsClient.destroy();
      eventSourceSqsClient.destroy();
      dynamoClient.destroy();
    });

    // serverless.yml declares one state machine, the delivery workflow; the local engine runs it.
    const [stateMachineDefinition] = Object.values(manifest.stateMachines);
    const stateMachineName = String(
      stateMachineDefinition?.name ?? `${manifest.service}-${LOCAL_STAGE}-delivery`,
    );
    const stateMachineArn = `arn:aws:states:${region}:${ACCOUNT_ID}:stateMachine:${stateMachineName}`;
    // `!Ref` / `!GetAtt` of everything the functions' environment may name.
    const references = createLocalReferences(manifest, {
      accountId: ACCOUNT_ID,
      stateMachineArn,
      stateMachineName,
    });
    const refs = references.resolve;
    Object.assign(references.queues, await createQueues(sqsClient, manifest, { timeFactor: factor, refs }));
    Object.assign(references.tables, await createTables(dynamoClient, manifest, { refs }));
    const { queues, tables } = references;

    // The secondary's events go where the stage's EventBridge rules send them: the receipts queue.
    let awsSms: AwsSmsStandIn | undefined;
    if (options.failover) {
      const rules = eventRules(manifest, queues);
      awsSms = await startAwsSmsStandIn({
        region,
        accountId: ACCOUNT_ID,
        originationIdentity: LOCAL_SECONDARY_PARAMS.awsSmsOriginationIdentityArn,
        configurationSetName: LOCAL_SECONDARY_PARAMS.awsSmsConfigurationSet,
        factor,
        port: port(PORT_OFFSETS.awsSms),
        log: (line) => log('aws-sms', line),
        publish: async (event) => {
          for (const rule of rules.filter((candidate) => matchesEventPattern(candidate.pattern, event))) {
            for (const queue of rule.queues) {
              await sqsClient.send(
                new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(event) }),
              );
            }
          }
        },
      });
      stoppers.push(awsSms.stop);
    }

    const endpoints = {
      sqs: sqs.endpoint,
      dynamodb: dynamodb.endpoint,
      ses: ses.endpoint,
      mailView: `${ses.endpoint}/`,
      ssm: ssm.endpoint,
      stepfunctions: '',
      eventbridge: events.endpoint,
      sinch: sinch.url,
      ...(awsSms && { awsSms: awsSms.endpoint }),
    };
    // Filled in as each part starts; the functions read it only when they run.
    const awsEnvironment = (): Record<string, string> => ({
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_SQS: endpoints.sqs,
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      AWS_ENDPOINT_URL_SES: endpoints.ses,
      AWS_ENDPOINT_URL_SSM: endpoints.ssm,
      AWS_ENDPOINT_URL_SFN: endpoints.stepfunctions,
      AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.eventbridge,
      ...(endpoints.awsSms && { AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: endpoints.awsSms }),
    });

    // The SSM parameters the functions name, filled with this run's secrets.
    const ssmParameters: Record<string, string> = {};
    for (const fn of manifest.functions) {
      for (const [variable, value] of Object.entries(fn.environment)) {
        if (!variable.endsWith('_PARAM') || typeof value !== 'string') continue;
        const stored = ssmValueFor(variable, secrets);
        if (stored === undefined) {
          throw new Error(`${fn.key}: the local stack does not know what to store in ${variable} (${value})`);
        }
        ssm.setParameter(value, { value: stored, type: 'SecureString' });
        ssmParameters[variable] = value;
      }
    }

    const bundles = await bundling;
    const environmentFor = (fn: FunctionDefinition): Record<string, string> => {
      const declared = resolveIntrinsics(fn.environment, refs, { region, accountId: ACCOUNT_ID }) as Record<
        string,
        unknown
      >;
      const environment: Record<string, string> = {};
      for (const [name, value] of Object.entries(declared)) environment[name] = String(value);
      return {
        ...environment,
        ...awsEnvironment(),
        AWS_ENDPOINT_URL_SQS: functionEndpoints.sqs,
        AWS_ENDPOINT_URL_DYNAMODB: functionEndpoints.dynamodb,
        AWS_ENDPOINT_URL_SES: functionEndpoints.ses,
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
        // Lambda runs Node 24, where the SDK has no "Node < 22" warning to give; the host runs the tests' Node.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        LAMBDA_TASK_ROOT: dirname(bundles[fn.key]!.file),
        // The Sinch client's base URLs default to Sinch's regions; locally both point at the simulator.
        ...('SINCH_PROJECT_ID' in environment ? { SINCH_API_URL: sinch.url, SINCH_AUTH_URL: sinch.url } : {}),
      };
    };

    // The workflow's tasks run on the host.
    const handlers: Record<string, LocalTaskHandler> = {};
    for (const fn of manifest.functions) {
      // `host` starts below; tasks only run once executions start, after that.
      handlers[fn.key] = (payload: JsonValue) => host.invoke(fn.key, payload);
    }
    // A scaled receipt timeout lets a report already on its way finish first: work takes no modelled time.
    const receiptWindow = createReceiptWindow({
      sinch,
      inspectReceipts: () => sqs.inspect(queues.ReceiptsQueue?.name ?? ''),
    });
    const scaledTimeouts = withScaledTaskTimeouts(handlers, {
      factor,
      engine: () => engine,
      settle: async (context, window, signal) => {
        const waited = await receiptWindow.settled(context.executionName, window, signal);
        if (waited > 0) {
          log('host', `${context.stateName}: receipt timeout held ${waited} ms for a report being processed`);
        }
      },
      admits: async (context, window) => {
        const inTime = await receiptWindow.admits(context.executionName, window);
        if (!inTime) log('host', `${context.stateName}: a report came after the receipt timeout; timed out`);
        return inTime;
      },
    });
    const engine = createWorkflowEngine({
      definition: stateMachineDefinition?.definition,
      handlers: scaledTimeouts.handlers,
      variables: { service: manifest.service, stage: LOCAL_STAGE, region, accountId: ACCOUNT_ID },
      stateMachineName,
      timeScale: factor,
    });
    stoppers.push(async () => {
      scaledTimeouts.dispose();
      await engine.close();
    });
    const stepFunctions = await startStepFunctionsStandIn({
      engine,
      port: port(PORT_OFFSETS.stepfunctions),
      faults: injector,
      beforeTaskCompletion: scaledTimeouts.beforeCompletion,
    });
    stoppers.push(stepFunctions.stop);
    endpoints.stepfunctions = stepFunctions.endpoint;

    const urlPorts: Record<string, number> = {};
    manifest.functions
      .filter((fn) => fn.url)
      .forEach((fn, index) => {
        const fixed = port(PORT_OFFSETS.functionUrls + index);
        if (fixed !== undefined) urlPorts[fn.key] = fixed;
      });
    const host = await startLambdaHost({
      functions: manifest.functions,
      bundles,
      root,
      environment: Object.fromEntries(manifest.functions.map((fn) => [fn.key, environmentFor(fn)])),
      region,
      accountId: ACCOUNT_ID,
      logSink: log,
      maxConcurrency: options.maxConcurrency,
      urlPorts,
      faults: injector,
      // The Sinch webhook target.
      outageUrls: ['ingress'],
      timeoutAllowance: divisor,
    });
    stoppers.push(host.stop);
    // Stopped first: no more webhooks to a host that is going away.
    stoppers.push(sinch.stop);
    Object.assign(references.functionUrls, host.urls);

    if (host.urls.ingress) sinch.setWebhookUrl(host.urls.ingress);
    host.startEventSources({
      sqs: eventSourceSqsClient,
      queues,
      timeFactor: factor,
      log: (line) => log('host', line),
    });

    const queueUrls = Object.fromEntries(Object.entries(queues).map(([id, q]) => [id, q.url]));
    const tableNames = Object.fromEntries(Object.entries(tables).map(([id, t]) => [id, t.name]));
    const description: StackDescription = {
      startedAt: new Date().toISOString(),
      pid: process.pid,
      fast,
      timeDivisor: divisor,
      stage: LOCAL_STAGE,
      region,
      endpoints,
      functionUrls: { ...host.urls },
      resources: {
        deliveriesTable: tableNames.DeliveriesTable,
        receiptsQueueUrl: queueUrls.ReceiptsQueue,
        receiptsDlqUrl: queueUrls.ReceiptsDlq,
        stateMachineArn,
        queues: queueUrls,
        tables: tableNames,
      },
      ssmParameters,
      webhookSecret: secrets.webhookSecret,
      sinch: { projectId: sinchProject, appId: sinchApp, url: sinch.url },
      awsEnvironment: awsEnvironment(),
      scenarios: scenarioTable(),
      faults: formatFaults(faults),
    };

    const stackFile =
      options.stackFile === undefined ? join(root, '.local', 'stack.json') : options.stackFile;
    if (stackFile) {
      mkdirSync(dirname(stackFile), { recursive: true });
      writeFileSync(stackFile, `${JSON.stringify(description, null, 2)}\n`, { mode: 0o600 });
      stoppers.unshift(async () => rmSync(stackFile, { force: true }));
    }

    // The outage faults' windows open now that everything is up.
    injector.start();
    return {
      description,
      manifest,
      sinch,
      engine,
      host,
      ses,
      sqs,
      ssm,
      events,
      ...(awsSms && { awsSms }),
      queues,
      tables,
      logs,
      faults,
      faultCounts: injector.counts,
      emulatorCpuUsage: async () => {
        const [dynamodbUsage, sqsUsage] = await Promise.all([dynamodb.cpuUsage(), sqs.cpuUsage()]);
        return { dynamodb: dynamodbUsage, sqs: sqsUsage };
      },
      clientConfig: { region, credentials: CREDENTIALS },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
