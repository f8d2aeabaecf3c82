import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDeliveryRepository, type DeliveryRepository } from '../lib/table/delivery-repository';
import type { DeliveryRequest } from '../lib/delivery/delivery-request';
import {
  createRecipientHashKeyReader,
  type RecipientHashKeyReader,
} from '../lib/delivery/recipient-hash-key-reader';
import { startDelivery, type StartedDelivery } from '../lib/delivery/start-delivery';
import { createWorkflowStarter, type WorkflowStarter } from '../lib/delivery/workflow-starter';

export type { DeliveryRequest, EmailFallback } from '../lib/delivery/delivery-request';
export type { StartedDelivery } from '../lib/delivery/start-delivery';
// The errors `send` throws on purpose, so a caller can catch them by class without reaching into lib/.
export { ValidationError, ConflictError } from '../lib/shared/errors';

/** The service name in serverless.yml; every resource name of a stage derives from it. */
const SERVICE = 'receipt-driven-sms';

export interface DeliveryClientOptions {
  /** The stage's deliveries table (stack output `DeliveriesTableName`). */
  readonly tableName: string;
  /** The stage's delivery state machine ARN. */
  readonly stateMachineArn: string;
  /** SSM SecureString holding the recipient hash key (stack output `RecipientHashKeyParam`). */
  readonly recipientHashKeyParam: string;
  /** Must equal the stage's `retentionDays` param, so items sent both ways expire alike. Default 30. */
  readonly retentionDays?: number;
  /** Region for the clients this instance creates; the SDK's default chain when absent. */
  readonly region?: string;
  /** Bring your own clients (tracing, custom credentials, endpoints); otherwise they are created here. */
  readonly clients?: {
    readonly dynamoDb?: DynamoDBDocumentClient;
    readonly sfn?: SFNClient;
    readonly ssm?: SSMClient;
  };
  /** For tests: the clock and the id generator `startDelivery` uses. */
  readonly now?: () => Date;
  readonly newId?: () => string;
}

export interface StageOptions {
  readonly stage: string;
  readonly region: string;
  /** The AWS account the stage is deployed in; part of the state machine ARN. */
  readonly accountId: string;
  /** `aws` unless the stage lives in China (`aws-cn`) or GovCloud (`aws-us-gov`). */
  readonly partition?: string;
  readonly retentionDays?: number;
  readonly clients?: DeliveryClientOptions['clients'];
}

/**
 * Starts deliveries from a product service that calls with its own IAM role instead of the send API.
 * It runs exactly what the send API runs (`startDelivery`): the same validation, the same idempotency by
 * `deliveryId`, the same PII-free workflow input. The role needs the stack's `DeliveryClientPolicyArn`.
 *
 * Create one instance per process and reuse it: it keeps its SDK clients and the recipient hash key.
 *
 * @example
 * const deliveries = DeliveryClient.fromStage({ stage: 'prod', region: 'eu-west-1', accountId: '123456789012' });
 * const { deliveryId, status } = await deliveries.send({
 *   deliveryId: `login-${sessionId}`,
 *   to: '+447400123456',
 *   text: `Your code is ${code}. It expires in 10 minutes.`,
 *   email: { to: user.email, subject: 'Your sign-in code', text: `Your code is ${code}.` },
 *   expiresAt: new Date(Date.now() + 10 * 60_000).toISOString(),
 * });
 */
export class DeliveryClient {
  private readonly repository: DeliveryRepository;
  private readonly workflow: WorkflowStarter;
  private readonly hashKey: RecipientHashKeyReader;
  /** Clients this instance created and therefore closes in {@link destroy}; injected ones are the caller's. */
  private readonly ownClients: { destroy(): void }[] = [];

  constructor(private readonly options: DeliveryClientOptions) {
    const region = options.region === undefined ? {} : { region: options.region };
    const own = <T extends { destroy(): void }>(client: T): T => {
      this.ownClients.push(client);
      return client;
    };
    // DynamoDBDocumentClient.destroy() is a no-op; the wrapped client holds the sockets.
    const dynamoDb =
      options.clients?.dynamoDb ?? DynamoDBDocumentClient.from(own(new DynamoDBClient(region)));
    const sfn = options.clients?.sfn ?? own(new SFNClient(region));
    const ssm = options.clients?.ssm ?? own(new SSMClient(region));
    this.repository = createDeliveryRepository(dynamoDb, options.tableName);
    this.workflow = createWorkflowStarter(sfn, options.stateMachineArn);
    this.hashKey = createRecipientHashKeyReader(ssm, options.recipientHashKeyParam);
  }

  /**
   * A client for a stage deployed from this repository's serverless.yml, with resource names derived
   * the way the deployment names them. Pass explicit {@link DeliveryClientOptions} instead if the stage
   * overrides `recipientHashKeyParam`.
   */
  static fromStage(stage: StageOptions): DeliveryClient {
    const partition = stage.partition ?? 'aws';
    const prefix = `${SERVICE}-${stage.stage}`;
    return new DeliveryClient({
      tableName: `${prefix}-deliveries`,
      stateMachineArn: `arn:${partition}:states:${stage.region}:${stage.accountId}:stateMachine:${prefix}-delivery`,
      recipientHashKeyParam: `/${SERVICE}/${stage.stage}/recipient-hash-key`,
      region: stage.region,
      retentionDays: stage.retentionDays,
      clients: stage.clients,
    });
  }

  /**
   * Validates the request, stores it and starts its workflow.
   *
   * @returns `status: 'started'` for a new delivery, `'existing'` when the same request (same
   *   `deliveryId`, same content) had already started it, so retrying after a timeout is safe
   * @throws {ValidationError} with one issue per invalid field; nothing was stored or started
   * @throws {ConflictError} when `deliveryId` was already used for a different request
   */
  async send(request: DeliveryRequest): Promise<StartedDelivery> {
    return startDelivery(request, {
      repository: this.repository,
      workflow: this.workflow,
      recipientHashKey: await this.hashKey.get(),
      retentionDays: this.options.retentionDays ?? 30,
      now: this.options.now,
      newId: this.options.newId,
    });
  }

  /** Closes the connections of the SDK clients this instance created. */
  destroy(): void {
    for (const client of this.ownClients) client.destroy();
  }
}
