import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { startEventBridgeStandIn, type EventBridgeStandIn } from '../../../local/eventbridge-stand-in';

describe('EventBridge stand-in', () => {
  let events: EventBridgeStandIn;
  let client: EventBridgeClient;

  beforeAll(async () => {
    events = await startEventBridgeStandIn();
    client = new EventBridgeClient({
      region: 'us-east-1',
      endpoint: events.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });

  afterAll(async () => {
    client.destroy();
    await events.stop();
  });

  it('keeps what PutEvents was given and answers with an event id per entry', async () => {
    // Act
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'receipt-driven-sms', DetailType: 'DeliveryOutcome', Detail: '{"deliveryId":"d-1"}' },
          { Source: 'receipt-driven-sms', DetailType: 'DeliveryOutcome', Detail: 'not json' },
        ],
      }),
    );

    // Assess
    expect(answer.FailedEntryCount).toBe(1);
    expect(answer.Entries?.[0]?.EventId).toBe(events.events[0]?.id);
    expect(answer.Entries?.[1]?.ErrorCode).toBe('MalformedDetail');
    expect(events.events).toEqual([
      expect.objectContaining({
        eventBusName: 'default',
        source: 'receipt-driven-sms',
        detailType: 'DeliveryOutcome',
        detail: { deliveryId: 'd-1' },
      }),
    ]);
  });
});
