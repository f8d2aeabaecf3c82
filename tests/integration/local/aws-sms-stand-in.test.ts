import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { AwsSmsRejectedError, AwsSmsUnavailableError } from '../../../lib/shared/errors';
import { parseAwsSmsEvent } from '../../../lib/receipts/aws-sms-events';
import { createAwsSmsClient } from '../../../lib/workflow/aws-sms-client';
import { startAwsSmsStandIn, type AwsSmsStandIn } from '../../../local/aws-sms-stand-in';

/**
 * The secondary provider's adapter, with the real `@aws-sdk/client-pinpoint-sms-voice-v2`, against the
 * local stand-in: the SDK's awsJson1_0 requests are understood, AWS's error shapes are parsed by the SDK
 * into the errors the workflow acts on, and each accepted message gets the events AWS publishes.
 */

const ORIGINATION = 'arn:aws:sms-voice:us-east-1:000000000000:pool/pool-test';
const CONFIGURATION_SET = 'codes';
let standIn: AwsSmsStandIn;
let sdk: PinpointSMSVoiceV2Client;
const published: Record<string, unknown>[] = [];

beforeAll(async () => {
  standIn = await startAwsSmsStandIn({
    region: 'us-east-1',
    accountId: '000000000000',
    originationIdentity: ORIGINATION,
    configurationSetName: CONFIGURATION_SET,
    factor: 0.01,
    publish: async (event) => void published.push(event),
  });
  sdk = new PinpointSMSVoiceV2Client({
    region: 'us-east-1',
    endpoint: standIn.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  sdk.destroy();
  await standIn.stop();
});

function provider(overrides: { originationIdentity?: string } = {}) {
  return createAwsSmsClient({
    client: sdk,
    originationIdentity: overrides.originationIdentity ?? ORIGINATION,
    configurationSetName: CONFIGURATION_SET,
    stage: 'test',
  });
}

const REQUEST = { to: '+46701740610', text: 'Your code is 123456', reference: 'd-1#2', ttlSeconds: 240 };

describe('AWS End User Messaging SMS stand-in', () => {
  it('takes a SendTextMessage and publishes its pending and final events with our context', async () => {
    // Act
    const { messageId } = await provider().send(REQUEST);
    await standIn.idle();

    // Assess
    const receipts = published
      .map((event) => parseAwsSmsEvent(event))
      .filter((receipt) => receipt.messageId === messageId);
    expect(receipts.map((r) => [r.status, r.metadata])).toEqual([
      ['QUEUED_ON_CHANNEL', 'd-1#2'],
      ['DELIVERED', 'd-1#2'],
    ]);
    expect(standIn.sends.at(-1)).toMatchObject({ messageId, timeToLive: 240, toMasked: '+46*****0610' });
  });

  it('answers as AWS does, and the SDK and adapter turn each answer into the workflow’s error', async () => {
    // Prepare
    standIn.failNext('ThrottlingException');
    const throttled = await provider()
      .send(REQUEST)
      .catch((error: unknown) => error);
    standIn.failNext('ServiceQuotaExceededException');
    const quota = await provider()
      .send(REQUEST)
      .catch((error: unknown) => error);

    // Act
    const unknownIdentity = await provider({ originationIdentity: 'pool-nope' })
      .send(REQUEST)
      .catch((error: unknown) => error);
    const badNumber = await provider()
      .send({ ...REQUEST, to: '0701740610' })
      .catch((error: unknown) => error);

    // Assess
    expect(throttled).toBeInstanceOf(AwsSmsUnavailableError);
    expect([quota, unknownIdentity, badNumber].map((e) => (e as AwsSmsRejectedError).awsError)).toEqual([
      'ServiceQuotaExceededException',
      'ResourceNotFoundException',
      'ValidationException',
    ]);
  });

  it('refuses a TimeToLive out of range with a ValidationException', async () => {
    // Act
    const error = await sdk
      .send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: '+46701740610',
          OriginationIdentity: ORIGINATION,
          ConfigurationSetName: CONFIGURATION_SET,
          MessageBody: 'x',
          TimeToLive: 1,
        }),
      )
      .catch((caught: unknown) => caught);

    // Assess
    expect((error as Error).name).toBe('ValidationException');
  });
});
