import type { OutputStream } from './io';

/**
 * A single self-overwriting status line on stderr while the CLI pages through many items, so a long
 * scan visibly moves. Only on a terminal: piped or captured stderr gets nothing, so logs stay clean.
 */
export interface Progress {
  update(text: string): void;
  /** Erases the line; call before printing results. */
  done(): void;
}

const CLEAR_LINE = '\r\u001b[2K';
const MIN_INTERVAL_MS = 100;

export function createProgress(stream: OutputStream, clock: () => number = Date.now): Progress {
  if (stream.isTTY !== true) return { update() {}, done() {} };
  let shown = false;
  let lastAt = -Infinity;
  return {
    update(text) {
      const now = clock();
      // Repainting faster than the eye can read only costs terminal time on big scans.
      if (now - lastAt < MIN_INTERVAL_MS) return;
      lastAt = now;
      shown = true;
      stream.write(`${CLEAR_LINE}${text}`);
    },
    done() {
      if (shown) stream.write(CLEAR_LINE);
      shown = false;
    },
  };
}
