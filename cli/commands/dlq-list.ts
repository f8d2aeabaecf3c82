import type { Command } from '../command-context';
import { writeJson } from '../command-context';
import { parseLimit } from '../command-line';
import { EXIT_CODES } from '../exit-codes';
import { count } from '../format/count';
import { renderParkedReceipts } from '../format/dlq-text';
import { readParkedReceipts } from '../support-queries';

/** `dlq list`: parked receipts and why they were parked, without removing them. */
export const dlqListCommand: Command = {
  spec: {
    path: ['dlq', 'list'],
    usage: 'dlq list [--limit <n>]',
    activity: 'reading the receipts DLQ',
    summary: 'Show receipts parked in the dead-letter queue, and why',
    description:
      'Reads parked receipts and puts them straight back: nothing is removed. Shows who parked each one\n' +
      '(ingress, processor, or SQS after repeated failures), the reason, the delivery and attempt it\n' +
      'belongs to, and the masked recipient. The raw webhook body is never printed.',
    positionals: [],
    options: [{ name: 'limit', value: '<n>', help: 'read at most n receipts, 1 to 1000 (default 50)' }],
    examples: ['receipt-sms dlq list --stage prod', 'receipt-sms dlq list --local --json'],
  },

  async run(context) {
    const limit = parseLimit(context.line.values.limit, 50, 1000);
    context.progress.update('Reading parked receipts…');
    const { approximateTotal, receipts } = await readParkedReceipts(context.services, limit, (seen) =>
      context.progress.update(`Reading parked receipts… ${seen}`),
    );
    context.progress.done();

    if (context.line.json) {
      writeJson(context, { approximateTotal, receipts });
      return EXIT_CODES.ok;
    }
    const summary =
      receipts.length === 0
        ? `No parked receipts in ${context.target.label}.`
        : `${receipts.length} shown of about ${count(approximateTotal, 'parked receipt')} in ${context.target.label}. Nothing was removed.\n` +
          `After the cause is fixed, move them back: receipt-sms dlq redrive ${context.targetFlags}`;
    context.io.stdout.write(renderParkedReceipts(receipts, summary, context.style));
    return EXIT_CODES.ok;
  },
};
