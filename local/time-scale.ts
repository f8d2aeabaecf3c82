/**
 * How the local stack shrinks time. `--fast` divides every wait that exists only to model the real world
 * (Sinch's report latency and webhook retry backoff, the workflow's receipt timeout and resend backoff, the
 * queue's visibility timeout) by {@link FAST_TIME_DIVISOR}, so a demo or an end-to-end test covers minutes of
 * behaviour in seconds. Work itself (HTTP, Lambda code, emulators) is never scaled and takes no modelled
 * time: a scaled receipt timeout waits for a report that is already on its way (`receipt-window.ts`), so
 * outcomes do not depend on how busy the machine is. The divisor is not larger because the scaled waits
 * would then be shorter than the work itself (a 180 s visibility timeout is 9 s at ÷20), and the stack would
 * redo work instead of modelling time.
 */
export const FAST_TIME_DIVISOR = 20;

/** Multiplier applied to modelled waits: 1 in real time, `1 / FAST_TIME_DIVISOR` with `--fast`. */
export type TimeFactor = number;

/** Converts modelled seconds to scaled milliseconds. */
export function scaledMs(seconds: number, factor: TimeFactor): number {
  return Math.round(seconds * 1000 * factor);
}
