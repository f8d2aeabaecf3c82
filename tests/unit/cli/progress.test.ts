import { createProgress } from '../../../cli/progress';

function aStream(isTTY: boolean) {
  let written = '';
  return { stream: { isTTY, write: (chunk: string) => (written += chunk) }, written: () => written };
}

describe('createProgress', () => {
  it('overwrites one line on a terminal and erases it when done', () => {
    // Prepare
    const { stream, written } = aStream(true);
    let now = 0;
    const progress = createProgress(stream, () => now);

    // Act
    progress.update('Scanning… 100');
    now = 500;
    progress.update('Scanning… 200');
    progress.done();

    // Assess
    expect(written()).toBe('\r\u001b[2KScanning… 100\r\u001b[2KScanning… 200\r\u001b[2K');
  });

  it('skips repaints closer together than the eye can read', () => {
    const { stream, written } = aStream(true);
    const progress = createProgress(stream, () => 0);

    progress.update('a');
    progress.update('b');

    expect(written()).toBe('\r\u001b[2Ka');
  });

  it('writes nothing when stderr is not a terminal', () => {
    const { stream, written } = aStream(false);
    const progress = createProgress(stream);

    progress.update('Scanning…');
    progress.done();

    expect(written()).toBe('');
  });
});
