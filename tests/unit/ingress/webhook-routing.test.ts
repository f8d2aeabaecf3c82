import { SINCH_EVENT_KEYS, routeWebhook } from '../../../lib/ingress/webhook-routing';
import { aDeliveryReport, deliveryReportBody } from '../../builders/delivery-report';

const common = {
  app_id: '01HZX4Q6W3N5T8B2C7D9E1F0GH',
  project_id: 'p',
  event_time: '2026-03-02T10:15:34.587Z',
};

describe('routeWebhook', () => {
  it('enqueues a delivery report with its message id and status', () => {
    const route = routeWebhook(
      deliveryReportBody({ messageId: '01HZX4R2K8M3P6Q9S1T4V7W0YZ', status: 'FAILED' }),
    );

    expect(route).toEqual({
      action: 'enqueue',
      eventType: 'message_delivery_report',
      messageId: '01HZX4R2K8M3P6Q9S1T4V7W0YZ',
      status: 'FAILED',
    });
  });

  it('enqueues a multi-line delivery report with a trailing newline as it is', () => {
    const route = routeWebhook(`${JSON.stringify(aDeliveryReport(), null, 4)}\n`);

    expect(route).toMatchObject({ action: 'enqueue', eventType: 'message_delivery_report' });
  });

  it('enqueues a report whose message id or status is missing or not a string, without those attributes', () => {
    const body = JSON.stringify({ ...common, message_delivery_report: { message_id: 42 } });

    expect(routeWebhook(body)).toEqual({
      action: 'enqueue',
      eventType: 'message_delivery_report',
      messageId: undefined,
      status: undefined,
    });
  });

  it('does not copy an absurdly long message id into an attribute', () => {
    const body = JSON.stringify({
      ...common,
      message_delivery_report: { message_id: 'x'.repeat(500), status: 'DELIVERED' },
    });

    expect(routeWebhook(body)).toMatchObject({ messageId: undefined, status: 'DELIVERED' });
  });

  it.each([
    ['a control character', 'm-1\u0000'],
    ['a line break', 'm-1\nforged: yes'],
    ['U+FFFE', 'm-1\uFFFE'],
    ['a non-ASCII letter', 'm-\u00e9'],
  ])('enqueues a report whose message id or status holds %s, without those attributes', (_what, value) => {
    const body = JSON.stringify({ ...common, message_delivery_report: { message_id: value, status: value } });

    expect(routeWebhook(body)).toEqual({
      action: 'enqueue',
      eventType: 'message_delivery_report',
      messageId: undefined,
      status: undefined,
    });
  });

  it.each(SINCH_EVENT_KEYS.filter((key) => key !== 'message_delivery_report'))(
    'ignores the known event %s',
    (eventType) => {
      expect(routeWebhook(JSON.stringify({ ...common, [eventType]: {} }))).toEqual({
        action: 'ignore',
        eventType,
      });
    },
  );

  it.each([
    ['an empty body', '', 'empty_body'],
    ['a blank body', ' \n', 'empty_body'],
    ['a body that is not JSON', 'status=DELIVERED', 'not_json'],
    ['truncated JSON', deliveryReportBody().slice(0, 40), 'not_json'],
    ['a JSON array', '[{"message_delivery_report":{}}]', 'not_an_object'],
    ['JSON null', 'null', 'not_an_object'],
    ['a JSON string', '"message_delivery_report"', 'not_an_object'],
    ['an empty object', '{}', 'no_event_key'],
    ['only common fields', JSON.stringify(common), 'no_event_key'],
    ['an unknown event key', JSON.stringify({ ...common, brand_new_notification: {} }), 'no_event_key'],
    [
      'two event keys',
      JSON.stringify({ ...common, message_delivery_report: {}, message_submit_notification: {} }),
      'several_event_keys',
    ],
    [
      'a delivery report that is not an object',
      JSON.stringify({ ...common, message_delivery_report: 'DELIVERED' }),
      'malformed_delivery_report',
    ],
    [
      'a delivery report that is an array',
      JSON.stringify({ ...common, message_delivery_report: [] }),
      'malformed_delivery_report',
    ],
  ])('parks %s', (_case, body, reason) => {
    expect(routeWebhook(body)).toEqual({ action: 'park', reason });
  });
});
