import { styleText } from 'node:util';

/**
 * Colours for human output. Colour is on only when the stream is a terminal that supports it:
 * `hasColors()` already honours `NO_COLOR`, `FORCE_COLOR` and `NODE_DISABLE_COLORS`, and `--no-color`
 * turns it off explicitly. Piped output is always plain text, so `grep` and tickets stay clean.
 */
export interface Style {
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly good: (text: string) => string;
  readonly bad: (text: string) => string;
  readonly warn: (text: string) => string;
  readonly accent: (text: string) => string;
}

export interface StyledStream {
  readonly isTTY?: boolean;
  hasColors?(): boolean;
}

/** Whether to colour output written to `stream`. */
export function wantsColor(stream: StyledStream, noColorFlag: boolean): boolean {
  return (
    !noColorFlag && stream.isTTY === true && typeof stream.hasColors === 'function' && stream.hasColors()
  );
}

const identity = (text: string): string => text;

/** A style that colours when `enabled`, and otherwise returns text unchanged. */
export function createStyle(enabled: boolean): Style {
  if (!enabled) {
    return { bold: identity, dim: identity, good: identity, bad: identity, warn: identity, accent: identity };
  }
  // The decision was made above from the real stream; styleText must not second-guess it against stdout.
  const paint =
    (format: Parameters<typeof styleText>[0]) =>
    (text: string): string =>
      styleText(format, text, { validateStream: false });
  return {
    bold: paint('bold'),
    dim: paint('dim'),
    good: paint('green'),
    bad: paint('red'),
    warn: paint('yellow'),
    accent: paint('cyan'),
  };
}

// eslint-disable-next-line no-control-regex -- matching ANSI escape sequences is the point
const ANSI = /\u001b\[[0-9;]*m/g;

/** Visible width of text that may contain colour codes. */
export function visibleWidth(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

/** Pads styled text to a visible width. */
export function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleWidth(text)));
}

/**
 * Lays out rows as aligned columns separated by two spaces. The last column is not padded, so long
 * text there wraps naturally instead of pushing every row wider.
 */
export function columns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visibleWidth(cell));
    });
  }
  return rows
    .map((row) =>
      row.map((cell, i) => (i === row.length - 1 ? cell : padEnd(cell, widths[i] ?? 0))).join('  '),
    )
    .join('\n');
}
