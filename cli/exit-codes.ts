/**
 * Exit codes of `receipt-sms`, documented in `docs/runbook.md`. Scripts branch on these, so they never
 * change meaning; new situations get new numbers.
 */
export const EXIT_CODES = {
  /** The command did what was asked. */
  ok: 0,
  /** The delivery, message id or phone number asked about is not in the table. */
  notFound: 1,
  /** The command line is wrong (unknown option, bad value, missing confirmation in a script). */
  usage: 2,
  /** The target could not be reached or read: credentials, permissions, unknown stage, local stack down. */
  target: 3,
  /** `dlq redrive` moved some receipts but not all. */
  incomplete: 4,
  /** Interrupted with Ctrl-C (the shell convention 128 + SIGINT). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
