import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenarioTable } from '../../../local/sinch-scenarios';

describe("the README's scenario table", () => {
  it('lists every scenario number with the outcome and counts the code expects', () => {
    // Prepare
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const documented = readme
      .split('\n')
      .filter((line) => /^\| `\+\d+`/.test(line))
      .map((line) => line.split('|').map((cell) => cell.trim()))
      .map(([, number, scenario, , outcome, sms, emails, withFailover]) => ({
        number,
        scenario,
        outcome,
        sms,
        emails,
        withFailover,
      }));

    // Act
    const expected = scenarioTable().map((row) => ({
      number: `\`${row.number}\``,
      scenario: row.scenario,
      outcome: `${row.expected.outcome}${row.expected.lateSmsDelivered ? ' (late SMS flagged)' : ''}`,
      sms: String(row.expected.smsSends),
      emails: String(row.expected.emails),
      withFailover: row.expectedWithFailover
        ? `${row.expectedWithFailover.outcome}, ${row.expectedWithFailover.secondarySends ?? 0} via AWS`
        : 'same',
    }));

    // Assess
    expect(documented).toEqual(expected);
  });
});
