/**
 * How long an end-to-end wait may take before the test calls it a hang. These are not speed checks: a
 * local stack on a two-core machine shared with other CPU-bound work can be ten times slower than idle,
 * and must still pass. Each is far beyond the slowest run seen, so reaching one means something stopped
 * (a lost message, a workflow that never ends), and the error then names what is still waiting.
 */
/** Starting a local stack (bundling, the emulators, every function's containers). */
export const STACK_START_MS = 5 * 60_000;
/** Waiting for a run's workflows to end and its reports to drain. */
export const RUN_HANG_MS = 10 * 60_000;
/** A `beforeAll` that starts a stack and runs deliveries through it. */
export const SETUP_HANG_MS = STACK_START_MS + RUN_HANG_MS;
/** Waiting for one in-process thing to happen (a log line, a count). */
export const CONDITION_HANG_MS = 60_000;

/**
 * Resolves once `check` holds, polling; rejects naming `what` once {@link CONDITION_HANG_MS} passed, so a
 * condition that never comes fails the test instead of polling on after it.
 */
export async function eventually(check: () => boolean, what: string): Promise<void> {
  const giveUpAt = Date.now() + CONDITION_HANG_MS;
  while (!check()) {
    if (Date.now() > giveUpAt) throw new Error(`Still waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
