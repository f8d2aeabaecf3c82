import type { CommandSpec } from './command-line';
import { columns } from './format/style';

/** `--help` text: the program overview, a command group (`dlq`), or one command. */

const TARGET_HELP = [
  [
    '  --stage <stage>',
    'a deployed stage: resources come from the CloudFormation stack receipt-driven-sms-<stage>',
  ],
  ['  --region <region>', "the stage's region (default: AWS_REGION or your profile's region)"],
  ['  --local', 'the local stack started by `npm start` (reads .local/stack.json)'],
  ['  --stack-file <path>', 'with --local: read another stack file'],
];

const OUTPUT_HELP = [
  ['  --json', 'machine-readable output on stdout (errors stay on stderr)'],
  ['  --no-color', 'plain text even on a terminal (NO_COLOR=1 works too)'],
  ['  -h, --help', 'this help; `receipt-sms <command> --help` for one command'],
];

const EXIT_HELP =
  'Exit codes: 0 ok, 1 not found, 2 usage error, 3 AWS or local stack error, 4 redrive incomplete.\n' +
  'Runbook for support staff: docs/runbook.md';

function commandTable(specs: readonly CommandSpec[]): string {
  return columns(specs.map((s) => [`  ${s.usage.split(' [')[0]}`, s.summary]));
}

/** The overview shown by `receipt-sms --help`. */
export function renderOverview(specs: readonly CommandSpec[]): string {
  return [
    'receipt-sms: what happened to this message? Support tooling for receipt-driven-sms.',
    '',
    'Usage: receipt-sms <command> [options] (--stage <stage> [--region <region>] | --local)',
    '',
    'Commands:',
    commandTable(specs),
    '',
    'Target (every command needs one):',
    columns(TARGET_HELP),
    '',
    'Output:',
    columns(OUTPUT_HELP),
    '',
    EXIT_HELP,
    '',
  ].join('\n');
}

/** Help for a group such as `dlq`: its subcommands. */
export function renderGroupHelp(group: string, specs: readonly CommandSpec[]): string {
  const members = specs.filter((s) => s.path[0] === group);
  return [
    `Usage: receipt-sms ${group} <command> [options]`,
    '',
    'Commands:',
    commandTable(members),
    '',
    `See \`receipt-sms ${group} <command> --help\`.`,
    '',
  ].join('\n');
}

/** Help for one command: usage, what it does, its options, the shared options, examples. */
export function renderCommandHelp(spec: CommandSpec): string {
  const options = spec.options.map((o) => [`  --${o.name}${o.value ? ` ${o.value}` : ''}`, o.help]);
  return [
    `Usage: receipt-sms ${spec.usage} (--stage <stage> [--region <region>] | --local)`,
    '',
    spec.summary + '.',
    '',
    spec.description,
    '',
    ...(options.length > 0 ? ['Options:', columns(options), ''] : []),
    'Target:',
    columns(TARGET_HELP),
    '',
    'Output:',
    columns(OUTPUT_HELP),
    '',
    'Examples:',
    ...spec.examples.map((e) => `  ${e}`),
    '',
    EXIT_HELP,
    '',
  ].join('\n');
}
