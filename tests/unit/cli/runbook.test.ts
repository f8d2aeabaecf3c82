import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAILURE_CLASS_GUIDANCE, OUTCOME_GUIDANCE, type Guidance } from '../../../cli/guidance';
import { EXIT_CODES } from '../../../cli/exit-codes';

/** docs/runbook.md says in prose what `inspect` prints under "What this means"; the two must agree. */
const RUNBOOK = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'runbook.md'), 'utf8').replaceAll(
  '**',
  '',
);

function rowOf(key: string): string {
  const row = RUNBOOK.split('\n').find((line) => line.startsWith(`| \`${key}\``));
  if (!row) throw new Error(`docs/runbook.md has no table row for ${key}`);
  return row.replace(/\s+/g, ' ');
}

describe('docs/runbook.md', () => {
  it.each(Object.entries({ ...FAILURE_CLASS_GUIDANCE, ...OUTCOME_GUIDANCE }))(
    'says for %s what inspect says',
    (key, guidance: Guidance) => {
      const row = rowOf(key);

      expect(row).toContain(guidance.meaning);
      expect(row).toContain(guidance.action);
    },
  );

  it('documents every exit code', () => {
    for (const code of Object.values(EXIT_CODES))
      expect(RUNBOOK).toMatch(new RegExp(`^\\| ${code} +\\|`, 'm'));
  });
});
