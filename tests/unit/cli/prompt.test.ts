import { PassThrough } from 'node:stream';
import { confirm } from '../../../cli/prompt';

function streams() {
  let written = '';
  const input = new PassThrough();
  const output = { write: (chunk: string) => (written += chunk) };
  return { input, output, written: () => written };
}

describe('confirm', () => {
  it.each([
    ['y', true],
    ['YES', true],
    [' yes ', true],
    ['', false],
    ['n', false],
    ['yep', false],
  ])('reads "%s" as %s', async (answer, expected) => {
    // Prepare
    const { input, output, written } = streams();

    // Act
    const asking = confirm('Move them?', input, output);
    input.write(`${answer}\n`);

    // Assess
    await expect(asking).resolves.toBe(expected);
    expect(written()).toBe('Move them? [y/N] ');
  });

  it('reads a closed stdin as no instead of waiting forever', async () => {
    const { input, output } = streams();

    const asking = confirm('Move them?', input, output);
    input.end();

    await expect(asking).resolves.toBe(false);
  });
});
