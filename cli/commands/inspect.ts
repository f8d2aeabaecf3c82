import { DELIVERY_ID_PATTERN } from '../../lib/table/delivery-model';
import { classifyReceipt } from '../../lib/receipts/provider-events';
import type { Command } from '../command-context';
import { writeJson } from '../command-context';
import { NotFoundCliError, UsageError } from '../errors';
import { EXIT_CODES } from '../exit-codes';
import { renderDeliveryReport } from '../format/report-text';
import { verdict } from '../guidance';
import { redactNumbers } from '../redact';
import { executionArnFor } from '../target';
import { buildDeliveryReport, type ExplainReason } from '../timeline';

/**
 * The processor's classifier, worded for support: the class it acts on and the one-line rationale, from
 * the table of the provider that reported the code (Sinch's by default).
 */
export const explainReason: ExplainReason = (code, subCode, provider = 'sinch') => {
  const { failureClass, rationale } = classifyReceipt({
    provider,
    reason: { code, ...(subCode ? { subCode } : {}) },
  });
  return { failureClass, meaning: rationale };
};

const PHONE_LIKE = /^\+?[\d\s().-]{7,}$/;

/** `inspect <deliveryId | sinch-message-id>`: the whole story of one delivery. */
export const inspectCommand: Command = {
  spec: {
    path: ['inspect'],
    usage: 'inspect <deliveryId | sinch-message-id>',
    activity: 'reading the delivery',
    summary: 'Show what happened to one message, step by step',
    description:
      'Merges the workflow history with the stored attempts and receipts into one timeline: each SMS\n' +
      'sent and its Sinch message id, every receipt with its reason code, class and meaning, timeouts,\n' +
      'waits, resends, the email fallback, the outcome and how long it took, and late receipts. The\n' +
      'recipient is shown masked. Accepts the deliveryId the product service used, or a Sinch message id.',
    positionals: ['<deliveryId | sinch-message-id>'],
    options: [],
    examples: [
      'receipt-sms inspect 01JQ7Z6X4N2M8P5R3T9V1W0Y2A --stage prod',
      'receipt-sms inspect order-1234-otp --local --json',
    ],
  },

  async run(context) {
    const id = context.line.positionals[0]!;
    if (PHONE_LIKE.test(id) && id.replace(/\D/g, '').length >= 7 && !/[A-Za-z_]/.test(id)) {
      // Never echo it: error output ends up in tickets.
      throw new UsageError(
        'That looks like a phone number, not a delivery id.',
        `Use: receipt-sms find --phone <number> ${context.targetFlags}`,
      );
    }
    if (!DELIVERY_ID_PATTERN.test(id)) {
      throw new UsageError(
        'The id must be 1 to 80 letters, digits, "_" or "-" (a deliveryId or a Sinch message id).',
      );
    }
    const { deliveries, executions } = context.services;

    context.progress.update('Reading the delivery…');
    let found = await deliveries.getDelivery(id);
    if (!found) {
      const deliveryId = await deliveries.findDeliveryIdByMessageId(id);
      if (deliveryId) found = await deliveries.getDelivery(deliveryId);
    }
    if (!found) {
      context.progress.done();
      throw new NotFoundCliError(
        `No delivery and no Sinch message with id ${redactNumbers(id)} in ${context.target.label}.`,
        `Check the id and the stage. Deliveries are kept for the stage's retention period (30 days by default); recent ones: receipt-sms list ${context.targetFlags}`,
      );
    }

    const { delivery, attempts } = found;
    const executionArn =
      delivery.executionArn ??
      (context.target.stateMachineArn
        ? executionArnFor(context.target.stateMachineArn, delivery.deliveryId)
        : undefined);
    let history;
    let executionStatus;
    if (executionArn) {
      history = await executions.history(executionArn, (events) =>
        context.progress.update(`Reading the workflow history… ${events} events`),
      );
      if (history) executionStatus = await executions.status(executionArn);
    }
    context.progress.done();

    const report = buildDeliveryReport({
      delivery,
      attempts,
      ...(history ? { history } : {}),
      ...(executionStatus ? { executionStatus } : {}),
      ...(executionArn ? { executionArn } : {}),
      explainReason,
    });
    if (context.line.json) writeJson(context, { ...report, guidance: verdict(report) });
    else context.io.stdout.write(renderDeliveryReport(report, context.style));
    return EXIT_CODES.ok;
  },
};
