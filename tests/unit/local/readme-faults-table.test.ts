import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCEPTED_FAULT_FORMS } from '../../../local/faults';

describe("the README's faults table", () => {
  it('documents every fault --faults accepts, by its accepted form, in order', () => {
    // Prepare
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const start = readme.indexOf('**Faults.**');
    const section = readme.slice(start, readme.indexOf('\n## ', start));

    // Act
    const documented = section
      .split('\n')
      .filter((line) => /^\| `[a-z-]+(=<\w+>)?`/.test(line))
      .map((line) => line.split('|')[1]!.trim().replace(/`/g, ''));

    // Assess
    expect(documented).toEqual(ACCEPTED_FAULT_FORMS.split(', '));
  });
});
