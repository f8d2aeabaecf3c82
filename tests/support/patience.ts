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
