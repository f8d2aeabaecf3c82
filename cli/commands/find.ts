import { maskPhone } from '../../lib/shared/pii';
import type { Command } from '../command-context';
import { writeJson } from '../command-context';
import { parseLimit, parsePhone } from '../command-line';
import { NotFoundCliError } from '../errors';
import { EXIT_CODES } from '../exit-codes';
import { count } from '../format/count';
import { renderDeliveryRows } from '../format/list-text';
import { findDeliveriesTo } from '../support-queries';

/** `find --phone <E.164>`: deliveries to one number, through the keyed recipient hash. */
export const findCommand: Command = {
  spec: {
    path: ['find'],
    usage: 'find --phone <E.164> [--limit <n>]',
    activity: 'looking up the phone number',
    summary: 'Find the deliveries to one phone number',
    description:
      "Hashes the number with the stage's secret key (from SSM) and looks the hash up in the\n" +
      'byRecipient index, newest first. The number is never stored in an index and never printed in\n' +
      'clear: output shows it masked.',
    positionals: [],
    options: [
      { name: 'phone', value: '<E.164>', help: 'the number with + and country code, e.g. +447700900123' },
      { name: 'limit', value: '<n>', help: 'at most n deliveries, 1 to 100 (default 20)' },
    ],
    examples: [
      'receipt-sms find --phone +447700900123 --stage prod',
      "receipt-sms find --phone '+44 7700 900123' --local --json",
    ],
  },

  async run(context) {
    const phone = parsePhone(context.line.values.phone);
    const limit = parseLimit(context.line.values.limit, 20, 100);
    const masked = maskPhone(phone);

    context.progress.update('Looking up the number…');
    const rows = await findDeliveriesTo(context.services, phone, limit);
    context.progress.done();
    if (rows.length === 0) {
      throw new NotFoundCliError(
        `No deliveries to ${masked} in ${context.target.label}.`,
        'Check the number (with country code) and the stage; deliveries are kept for the retention period (30 days by default).',
      );
    }
    if (context.line.json) writeJson(context, { recipient: masked, deliveries: rows });
    else {
      context.io.stdout.write(
        renderDeliveryRows(
          rows,
          `${count(rows.length, 'delivery', 'deliveries')} to ${masked} in ${context.target.label}, newest first.`,
          context.targetFlags,
          context.style,
        ),
      );
    }
    return EXIT_CODES.ok;
  },
};
