import type { Command } from '../command-context';
import { writeJson } from '../command-context';
import { parseLimit } from '../command-line';
import { IncompleteError, UsageError } from '../errors';
import { EXIT_CODES } from '../exit-codes';
import { count } from '../format/count';
import { renderReasonCounts } from '../format/dlq-text';
import { summariseParkedMessage } from '../parked-receipt';

/** The most a single redrive moves unless `--limit` says otherwise. */
const DEFAULT_REDRIVE_LIMIT = 10_000;

/** `dlq redrive`: move parked receipts back to the receipts queue after a fix. */
export const dlqRedriveCommand: Command = {
  spec: {
    path: ['dlq', 'redrive'],
    usage: 'dlq redrive [--yes] [--limit <n>]',
    activity: 'moving parked receipts',
    summary: 'Move parked receipts back to the receipts queue (after a fix)',
    description:
      'Shows how many receipts are parked and why, asks for confirmation, then copies each one unchanged\n' +
      'to the receipts queue and removes it from the DLQ only once the copy is stored. The processor\n' +
      'ignores receipts it has already recorded, so a redrive is safe to repeat. Without a terminal\n' +
      '(scripts, CI) it refuses unless --yes is given.',
    positionals: [],
    options: [
      { name: 'yes', help: 'do not ask for confirmation (required when not run in a terminal)' },
      { name: 'limit', value: '<n>', help: `move at most n receipts (default ${DEFAULT_REDRIVE_LIMIT})` },
    ],
    examples: ['receipt-sms dlq redrive --stage prod', 'receipt-sms dlq redrive --local --yes --json'],
  },

  async run(context) {
    const { io, line, services, progress } = context;
    const limit = parseLimit(line.values.limit, DEFAULT_REDRIVE_LIMIT, 100_000);
    const queue = services.parkedReceipts;

    if (!line.values.yes) {
      if (io.stdin.isTTY !== true) {
        throw new UsageError(
          'dlq redrive moves messages and needs confirmation, but there is no terminal to ask. Nothing was moved.',
          `Add --yes to confirm in a script: receipt-sms dlq redrive --yes ${context.targetFlags}`,
        );
      }
      progress.update('Reading parked receipts…');
      const preview = (
        await queue.peek(limit, (seen) => progress.update(`Reading parked receipts… ${seen}`))
      ).map(summariseParkedMessage);
      progress.done();
      if (preview.length === 0) {
        io.stderr.write(`No parked receipts in ${context.target.label}. Nothing to move.\n`);
        return EXIT_CODES.ok;
      }
      io.stderr.write(
        `${count(preview.length, 'parked receipt')} in ${context.target.label}:\n${renderReasonCounts(preview, context.style)}\n`,
      );
      const ok = await context.confirm(
        `Move ${preview.length === limit ? `up to ${limit}` : 'them'} back to the receipts queue?`,
      );
      if (!ok) {
        io.stderr.write('Nothing was moved.\n');
        return EXIT_CODES.ok;
      }
    }

    progress.update('Moving parked receipts…');
    const result = await queue.moveToReceiptsQueue(limit, (moved) =>
      progress.update(`Moving parked receipts… ${moved} moved`),
    );
    progress.done();

    if (line.json) writeJson(context, result);
    else {
      io.stdout.write(
        `Moved ${count(result.moved, 'parked receipt')} back to the receipts queue of ${context.target.label}.\n` +
          (result.moved > 0
            ? `The processor picks them up within seconds; check what is left: receipt-sms dlq list ${context.targetFlags}\n`
            : ''),
      );
    }
    if (result.failed.length > 0) {
      throw new IncompleteError(
        `${count(result.failed.length, 'receipt')} not moved:\n${result.failed.map((f) => `  ${f.sqsMessageId}: ${f.error}`).join('\n')}`,
        'They are still parked (or, if copied, the processor ignores the duplicate). Run the redrive again.',
      );
    }
    return EXIT_CODES.ok;
  },
};
