import { createInterface } from 'node:readline/promises';
import type { InputStream, OutputStream } from './io';

/**
 * Asks a yes/no question on stderr (stdout stays clean for `--json`) and reads the answer from stdin.
 * Anything but `y` or `yes` is a no, so a stray Enter never moves messages, and a closed stdin (Ctrl-D)
 * is a no rather than a hang.
 */
export async function confirm(question: string, input: InputStream, output: OutputStream): Promise<boolean> {
  const rl = createInterface({ input, output: output as NodeJS.WritableStream, terminal: false });
  const closed = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
  try {
    const answer = await Promise.race([rl.question(`${question} [y/N] `), closed]);
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}
