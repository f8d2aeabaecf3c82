/**
 * How the local stack shrinks time. `--fast` divides every wait that exists only to model the real world
 * (Sinch's report latency and webhook retry backoff, the workflow's receipt timeout and resend backoff, the
 * queue's visibility timeout) by {@link FAST_TIME_DIVISOR}, so a demo or an end-to-end test covers minutes of
 * behaviour in seconds. Work itself (HTTP, Lambda code, emulators) is never scaled, which is why the divisor
 * is not larger: at ÷20 the 60 s receipt timeout becomes 3 s, still several times what a report needs to pass
 * through the ingress, the queue and the processor on a busy two-core machine.
 */
export const FAST_TIME_DIVISOR = 20;

/** Multiplier applied to modelled waits: 1 in real time, `1 / FAST_TIME_DIVISOR` with `--fast`. */
export type TimeFactor = number;

/** Converts modelled seconds to scaled milliseconds. */
export function scaledMs(seconds: number, factor: TimeFactor): number {
  return Math.round(seconds * 1000 * factor);
}
