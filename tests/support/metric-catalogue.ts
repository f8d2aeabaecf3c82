import { INGRESS_METRICS } from '../../lib/ingress/ingress-telemetry';
import { PROCESSOR_METRICS } from '../../lib/receipts/processor-telemetry';
import { SEND_API_METRICS } from '../../lib/delivery/send-api-telemetry';
import { SSM_PARAMETER_METRICS } from '../../lib/shared/middleware/ssm-parameter-telemetry';
import { WORKFLOW_METRICS } from '../../lib/workflow/workflow-telemetry';

/**
 * Every CloudWatch metric the functions publish, with the dimensions each carries besides `service` (which
 * Powertools adds to all of them). It is the oracle the operations tests compare against:
 * - the `*_METRICS` lists in `lib/` (same names, no more, no fewer),
 * - the metrics table in `docs/operations.md` (same names and dimensions),
 * - the alarms and dashboard in the packaged template (only these names, with these dimensions),
 * - the EMF blobs the functions write on the local stack (only these names, with these dimensions).
 */

export interface MetricSpec {
  readonly unit: 'Count' | 'Seconds';
  /** Dimension keys besides `service`, in any order. */
  readonly dimensions: readonly string[];
  /** Function keys in `serverless.yml`. */
  readonly emittedBy: readonly string[];
}

/** Powertools' `captureColdStartMetric`: dimensions `service` and `function_name`. */
export const COLD_START_METRIC = 'ColdStart';

export const METRIC_CATALOGUE: Readonly<Record<string, MetricSpec>> = {
  WebhooksReceived: { unit: 'Count', dimensions: [], emittedBy: ['ingress'] },
  ReceiptsAccepted: { unit: 'Count', dimensions: [], emittedBy: ['ingress'] },
  ReceiptsRejected: { unit: 'Count', dimensions: ['reason'], emittedBy: ['ingress'] },
  WebhooksIgnored: { unit: 'Count', dimensions: ['eventType'], emittedBy: ['ingress'] },
  ReceiptsParked: { unit: 'Count', dimensions: ['reason'], emittedBy: ['ingress', 'processor'] },
  ReceiptsRecorded: { unit: 'Count', dimensions: ['status'], emittedBy: ['processor'] },
  DuplicateReceipts: { unit: 'Count', dimensions: [], emittedBy: ['processor'] },
  SmsFailures: { unit: 'Count', dimensions: ['class'], emittedBy: ['processor'] },
  WorkflowCallbacks: { unit: 'Count', dimensions: [], emittedBy: ['processor'] },
  LateReceipts: { unit: 'Count', dimensions: [], emittedBy: ['processor'] },
  LateSmsDelivered: { unit: 'Count', dimensions: [], emittedBy: ['processor'] },
  ReceiptsNotYetCorrelated: { unit: 'Count', dimensions: [], emittedBy: ['processor'] },
  OrphanReceipts: { unit: 'Count', dimensions: [], emittedBy: ['processor'] },
  ReceiptProcessingErrors: { unit: 'Count', dimensions: [], emittedBy: ['processor'] },
  SsmRefreshFailures: { unit: 'Count', dimensions: [], emittedBy: ['ingress', 'send', 'sendSms'] },
  DeliveriesStarted: { unit: 'Count', dimensions: [], emittedBy: ['send'] },
  DeliveryRequestsRepeated: { unit: 'Count', dimensions: [], emittedBy: ['send'] },
  DeliveryRequestsInvalid: { unit: 'Count', dimensions: [], emittedBy: ['send'] },
  DeliveryRequestsConflicting: { unit: 'Count', dimensions: [], emittedBy: ['send'] },
  SmsSent: { unit: 'Count', dimensions: [], emittedBy: ['sendSms'] },
  SmsResends: { unit: 'Count', dimensions: [], emittedBy: ['sendSms'] },
  SmsSendFailed: { unit: 'Count', dimensions: [], emittedBy: ['sendSms'] },
  SinchSendErrors: { unit: 'Count', dimensions: ['kind'], emittedBy: ['sendSms'] },
  SmsSentByProvider: { unit: 'Count', dimensions: ['provider'], emittedBy: ['sendSms'] },
  AwsSmsSendErrors: { unit: 'Count', dimensions: ['kind'], emittedBy: ['sendSms'] },
  PrimaryBreakerTransitions: { unit: 'Count', dimensions: ['to'], emittedBy: ['sendSms'] },
  FallbackEmailSent: { unit: 'Count', dimensions: [], emittedBy: ['sendEmail'] },
  EmailFailures: { unit: 'Count', dimensions: ['reason'], emittedBy: ['sendEmail'] },
  Deliveries: { unit: 'Count', dimensions: ['outcome'], emittedBy: ['recordOutcome'] },
  TimeToOutcome: { unit: 'Seconds', dimensions: ['outcome'], emittedBy: ['recordOutcome'] },
  SmsAttemptFailures: { unit: 'Count', dimensions: ['failure'], emittedBy: ['recordOutcome'] },
  [COLD_START_METRIC]: {
    unit: 'Count',
    dimensions: ['function_name'],
    emittedBy: ['ingress', 'processor', 'send'],
  },
};

/** The names the code declares, from the `*_METRICS` lists in `lib/`. */
export function declaredMetricNames(): string[] {
  return [
    INGRESS_METRICS,
    PROCESSOR_METRICS,
    SEND_API_METRICS,
    WORKFLOW_METRICS,
    SSM_PARAMETER_METRICS,
  ].flatMap((list) => Object.values(list));
}
