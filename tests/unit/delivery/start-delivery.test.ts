import { ConflictError, ValidationError } from '../../../lib/shared/errors';
import type { DeliveryMetaItem, ExecutionInput } from '../../../lib/table/delivery-model';
import type { CreateMetaResult } from '../../../lib/table/delivery-repository';
import { startDelivery, type StartDeliveryDeps } from '../../../lib/delivery/start-delivery';
import type { StartedExecution } from '../../../lib/delivery/workflow-starter';
import { aDeliveryRequest, TEST_MOBILE, TEST_NOW } from '../../builders/delivery-request';

const HASH_KEY = 'test-recipient-hash-key-0123456789';
const SM_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:receipt-driven-sms-test-delivery';

/** The META items a DynamoDB table would hold, with its conditional put. */
class InMemoryRepository {
  readonly items = new Map<string, DeliveryMetaItem>();
  failSetExecutionArn = false;

  async createMeta(item: DeliveryMetaItem): Promise<CreateMetaResult> {
    const existing = this.items.get(item.deliveryId);
    if (existing) return { created: false, existing };
    this.items.set(item.deliveryId, item);
    return { created: true };
  }

  async setExecutionArn(deliveryId: string, executionArn: string): Promise<void> {
    if (this.failSetExecutionArn) throw new Error('Lambda timed out');
    const item = this.items.get(deliveryId)!;
    this.items.set(deliveryId, { ...item, executionArn });
  }
}

/**
 * Step Functions' name uniqueness, as far as starting executions goes. An identical start of a running
 * execution succeeds as if it had started it (`alreadyStarted: false`), as StartExecution does on AWS.
 */
class FakeWorkflow {
  readonly executions = new Map<string, string>();
  readonly starts: ExecutionInput[] = [];
  failStart = false;

  async start(input: ExecutionInput): Promise<StartedExecution> {
    if (this.failStart) throw new Error('Step Functions unreachable');
    this.starts.push(input);
    const executionArn = `${SM_ARN.replace(':stateMachine:', ':execution:')}:${input.deliveryId}`;
    const existing = this.executions.get(input.deliveryId);
    if (existing !== undefined) {
      if (existing !== JSON.stringify(input)) throw new ConflictError(input.deliveryId);
      return { executionArn, alreadyStarted: false };
    }
    this.executions.set(input.deliveryId, JSON.stringify(input));
    return { executionArn, alreadyStarted: false };
  }
}

function setup() {
  const repository = new InMemoryRepository();
  const workflow = new FakeWorkflow();
  const deps: StartDeliveryDeps = {
    repository,
    workflow,
    recipientHashKey: HASH_KEY,
    retentionDays: 30,
    now: () => TEST_NOW,
    newId: () => '01JH5Z8D6QW2N4V7R9T1X3Y5Z7',
  };
  return { repository, workflow, deps };
}

describe('startDelivery', () => {
  it('stores the request and starts an execution named after the delivery with PII-free input', async () => {
    const { repository, workflow, deps } = setup();
    const request = aDeliveryRequest();

    const result = await startDelivery(request, deps);

    expect(result).toEqual({
      deliveryId: 'login-7f3a9c',
      executionArn: `${SM_ARN.replace(':stateMachine:', ':execution:')}:login-7f3a9c`,
      status: 'started',
    });
    expect(workflow.starts).toEqual([
      {
        deliveryId: 'login-7f3a9c',
        expiresAt: request.expiresAt,
        policy: { maxSmsAttempts: 3, receiptTimeoutSeconds: 60, resendBackoffSeconds: [10, 30] },
      },
    ]);
    const serialisedInput = JSON.stringify(workflow.starts);
    expect(serialisedInput).not.toContain(TEST_MOBILE.slice(1));
    expect(serialisedInput).not.toContain('alice@example.com');
    expect(serialisedInput).not.toContain('482913');
    expect(repository.items.get('login-7f3a9c')).toMatchObject({
      PK: 'D#login-7f3a9c',
      SK: 'META',
      to: TEST_MOBILE,
      text: request.text,
      email: request.email,
      toMasked: '+44******3456',
      emailMasked: 'a****@example.com',
      createdAt: TEST_NOW.toISOString(),
      executionArn: result.executionArn,
    });
  });

  it('generates a delivery id when the caller gave none', async () => {
    const { deps } = setup();

    const result = await startDelivery(aDeliveryRequest({ deliveryId: undefined }), deps);

    expect(result.deliveryId).toBe('01JH5Z8D6QW2N4V7R9T1X3Y5Z7');
  });

  it('returns the existing delivery for a repeated request without starting anything', async () => {
    const { workflow, deps } = setup();
    const first = await startDelivery(aDeliveryRequest(), deps);

    const repeat = await startDelivery(aDeliveryRequest(), deps);

    expect(repeat).toEqual({ ...first, status: 'existing' });
    expect(workflow.starts).toHaveLength(1);
  });

  it('treats a repeat with another key order and offset as the same request', async () => {
    const { deps } = setup();
    const request = aDeliveryRequest({ expiresAt: '2030-01-01T12:10:00Z' });
    await startDelivery(request, deps);

    const repeat = await startDelivery(
      { ...request, expiresAt: '2030-01-01T13:10:00.000+01:00', policy: { maxSmsAttempts: 3 } },
      deps,
    );

    expect(repeat.status).toBe('existing');
  });

  it('rejects the same id with a different request as a conflict and changes nothing', async () => {
    const { repository, workflow, deps } = setup();
    await startDelivery(aDeliveryRequest(), deps);
    const before = repository.items.get('login-7f3a9c');

    await expect(
      startDelivery(aDeliveryRequest({ text: 'Your code is 111111.' }), deps),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(repository.items.get('login-7f3a9c')).toBe(before);
    expect(workflow.starts).toHaveLength(1);
  });

  it('stores and starts nothing for an invalid request', async () => {
    const { repository, workflow, deps } = setup();

    await expect(startDelivery(aDeliveryRequest({ to: '+442079460000' }), deps)).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(repository.items.size).toBe(0);
    expect(workflow.starts).toHaveLength(0);
  });

  it('starts the workflow on a repeat when the first call stored the request but crashed before starting', async () => {
    const { repository, workflow, deps } = setup();
    workflow.failStart = true;
    await expect(startDelivery(aDeliveryRequest(), deps)).rejects.toThrow('Step Functions unreachable');
    expect(repository.items.get('login-7f3a9c')?.executionArn).toBeUndefined();
    workflow.failStart = false;

    const repeat = await startDelivery(aDeliveryRequest(), deps);

    // The repeat did not create the delivery, so it does not claim to have started it.
    expect(repeat.status).toBe('existing');
    expect(workflow.executions.has('login-7f3a9c')).toBe(true);
    expect(repository.items.get('login-7f3a9c')?.executionArn).toBe(repeat.executionArn);
  });

  it('answers started to exactly one of several identical requests arriving at once', async () => {
    // Prepare
    const { workflow, deps } = setup();

    // Act
    const results = await Promise.all(
      Array.from({ length: 5 }, () => startDelivery(aDeliveryRequest(), deps)),
    );

    // Assess
    expect(results.map((result) => result.status).sort()).toEqual([
      'existing',
      'existing',
      'existing',
      'existing',
      'started',
    ]);
    expect(new Set(results.map((result) => result.executionArn)).size).toBe(1);
    expect(workflow.executions.size).toBe(1);
  });

  it('records the execution on a repeat when the first call started it but crashed before saving its ARN', async () => {
    const { repository, workflow, deps } = setup();
    repository.failSetExecutionArn = true;
    await expect(startDelivery(aDeliveryRequest(), deps)).rejects.toThrow('Lambda timed out');
    repository.failSetExecutionArn = false;

    const repeat = await startDelivery(aDeliveryRequest(), deps);

    expect(repeat.status).toBe('existing');
    expect(workflow.executions.size).toBe(1);
    expect(repository.items.get('login-7f3a9c')?.executionArn).toBe(repeat.executionArn);
  });

  it('keeps the first creation time when a repeat finishes an interrupted start', async () => {
    const { repository, workflow, deps } = setup();
    workflow.failStart = true;
    await expect(startDelivery(aDeliveryRequest(), deps)).rejects.toThrow();
    workflow.failStart = false;

    await startDelivery(aDeliveryRequest(), { ...deps, now: () => new Date(TEST_NOW.getTime() + 5_000) });

    expect(repository.items.get('login-7f3a9c')?.createdAt).toBe(TEST_NOW.toISOString());
  });

  it('refuses to store a recipient hash under a placeholder key', async () => {
    const { repository, deps } = setup();

    await expect(
      startDelivery(aDeliveryRequest(), { ...deps, recipientHashKey: 'changeme' }),
    ).rejects.toThrow(expect.objectContaining({ name: 'ConfigError' }));
    expect(repository.items.size).toBe(0);
  });
});
