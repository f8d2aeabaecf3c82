import fc from 'fast-check';
import { routeWebhook, SINCH_EVENT_KEYS } from '../../../lib/ingress/webhook-routing';

/**
 * Properties of the router: every verified body gets exactly one route, and a body that is not a single
 * known event is parked (kept with a reason), never dropped and never queued for the processor.
 */

describe('routeWebhook, for any body', () => {
  it('gives every body exactly one route and never throws', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (body) => {
          const route = routeWebhook(body);
          expect(['enqueue', 'ignore', 'park']).toContain(route.action);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('queues only bodies with the delivery report as their one event key', () => {
    fc.assert(
      fc.property(
        fc.subarray([...SINCH_EVENT_KEYS]),
        fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
        (eventKeys, extra) => {
          const body: Record<string, unknown> = Object.fromEntries(
            Object.entries(extra).filter(([key]) => !(SINCH_EVENT_KEYS as readonly string[]).includes(key)),
          );
          for (const key of eventKeys) body[key] = { message_id: 'm-1', status: 'DELIVERED' };

          const route = routeWebhook(JSON.stringify(body));

          if (eventKeys.length !== 1) expect(route.action).toBe('park');
          else if (eventKeys[0] === 'message_delivery_report') expect(route.action).toBe('enqueue');
          else expect(route).toEqual({ action: 'ignore', eventType: eventKeys[0] });
        },
      ),
      { numRuns: 500 },
    );
  });
});
