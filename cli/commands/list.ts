import type { Command } from '../command-context';
import { writeJson } from '../command-context';
import { parseLimit } from '../command-line';
import { parseOutcomeFilter } from '../delivery-list';
import { parseSince } from '../duration';
import { EXIT_CODES } from '../exit-codes';
import { count } from '../format/count';
import { renderDeliveryRows } from '../format/list-text';
import { listRecentDeliveries } from '../support-queries';

/** `list [--outcome X] [--since 24h] [--limit 50]`: recent deliveries, newest first. */
export const listCommand: Command = {
  spec: {
    path: ['list'],
    usage: 'list [--outcome <OUTCOME>] [--since <24h|7d|date>] [--limit <n>]',
    activity: 'listing deliveries',
    summary: 'List recent deliveries, newest first',
    description:
      'Reads the whole deliveries table (a Scan, with progress on a terminal) and shows the newest\n' +
      "deliveries that match. Fine for support at this project's scale; see docs/runbook.md for the\n" +
      'index that makes it a Query at high volume.',
    positionals: [],
    options: [
      {
        name: 'outcome',
        value: '<OUTCOME>',
        help: 'DELIVERED, DELIVERED_AFTER_RESEND, EMAIL_SENT, UNDELIVERABLE, EXPIRED or IN_PROGRESS',
      },
      {
        name: 'since',
        value: '<when>',
        help: 'how far back: 90s, 30m, 24h, 7d, or a date like 2026-03-02 (default 24h)',
      },
      { name: 'limit', value: '<n>', help: 'at most n deliveries, 1 to 1000 (default 50)' },
    ],
    examples: [
      'receipt-sms list --stage prod',
      'receipt-sms list --stage prod --outcome UNDELIVERABLE --since 7d',
      'receipt-sms list --local --json --limit 5',
    ],
  },

  async run(context) {
    const { values } = context.line;
    const since = parseSince(values.since ?? '24h', context.io.now());
    const outcome = parseOutcomeFilter(values.outcome);
    const limit = parseLimit(values.limit, 50, 1000);

    context.progress.update('Scanning the deliveries table…');
    const { matched: matchedCount, rows } = await listRecentDeliveries(
      context.services,
      { since, ...(outcome ? { outcome } : {}), limit },
      ({ scanned, matched }) =>
        context.progress.update(`Scanning the deliveries table… ${scanned} items read, ${matched} match`),
    );
    context.progress.done();

    if (context.line.json) {
      writeJson(context, {
        since: since.toISOString(),
        outcome: outcome ?? null,
        limit,
        matched: matchedCount,
        deliveries: rows,
      });
    } else {
      const noun = outcome ? `${outcome} delivery` : 'delivery';
      const matched = count(matchedCount, noun, `${outcome ? `${outcome} ` : ''}deliveries`);
      const shown = rows.length < matchedCount ? `${rows.length} newest of ${matched}` : matched;
      context.io.stdout.write(
        renderDeliveryRows(
          rows,
          `${shown} since ${since.toISOString()} in ${context.target.label}.`,
          context.targetFlags,
          context.style,
        ),
      );
    }
    return EXIT_CODES.ok;
  },
};
