import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsSmsRejectedError, AwsSmsUnavailableError } from '../../../lib/shared/errors';
import { awsSmsTimeToLive, createAwsSmsClient } from '../../../lib/workflow/aws-sms-client';

const smsMock = mockClient(PinpointSMSVoiceV2Client);
const REQUEST = { to: '+46701740610', text: 'Your code is 123456', reference: 'd-1#2', ttlSeconds: 240 };

function provider() {
  return createAwsSmsClient({
    client: new PinpointSMSVoiceV2Client({ region: 'eu-west-1' }),
    originationIdentity: 'pool-1',
    configurationSetName: 'codes',
    stage: 'unit',
  });
}

function awsError(name: string): Error {
  return Object.assign(new Error(`${name}: the number +46701740610 …`), { name, $fault: 'client' });
}

beforeEach(() => smsMock.reset());

describe('AWS End User Messaging SMS provider', () => {
  it('sends one transactional SendTextMessage with our reference, the stage and the remaining validity', async () => {
    // Prepare
    smsMock.on(SendTextMessageCommand).resolves({ MessageId: 'aws-msg-1' });

    // Act
    const accepted = await provider().send(REQUEST);

    // Assess
    expect(accepted).toEqual({ messageId: 'aws-msg-1' });
    expect(smsMock.commandCalls(SendTextMessageCommand)[0]?.args[0].input).toEqual({
      DestinationPhoneNumber: '+46701740610',
      OriginationIdentity: 'pool-1',
      ConfigurationSetName: 'codes',
      MessageBody: 'Your code is 123456',
      MessageType: 'TRANSACTIONAL',
      TimeToLive: 240,
      Context: { deliveryRef: 'd-1#2', stage: 'unit' },
    });
  });

  it.each([
    ['ThrottlingException', AwsSmsUnavailableError],
    ['InternalServerException', AwsSmsUnavailableError],
    ['ValidationException', AwsSmsRejectedError],
    ['AccessDeniedException', AwsSmsRejectedError],
    ['ServiceQuotaExceededException', AwsSmsRejectedError],
    ['ResourceNotFoundException', AwsSmsRejectedError],
  ])('maps %s to the error the workflow acts on, without AWS’s message', async (name, expected) => {
    // Prepare
    smsMock.on(SendTextMessageCommand).rejects(awsError(name));

    // Act
    const error: unknown = await provider()
      .send(REQUEST)
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(expected);
    expect((error as Error).message).toContain(name);
    expect((error as Error).message).not.toContain('+4670');
  });

  it('treats an answer without a MessageId as unavailable', async () => {
    smsMock.on(SendTextMessageCommand).resolves({});
    await expect(provider().send(REQUEST)).rejects.toBeInstanceOf(AwsSmsUnavailableError);
  });

  it('keeps TimeToLive inside what the API accepts', () => {
    expect([awsSmsTimeToLive(1), awsSmsTimeToLive(240.9), awsSmsTimeToLive(10 ** 7)]).toEqual([
      5, 240, 259_200,
    ]);
  });
});
