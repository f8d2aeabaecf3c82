import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAILURE_CLASSES } from '../../../lib/shared/errors';
import { REASON_CODE_POLICY, SUB_CODE_POLICY, classifyReason } from '../../../lib/receipts/reason-classifier';
import fixture from '../../fixtures/sinch-reason-codes.json';

const docPath = join(__dirname, '../../../docs/reason-codes.md');

/** Rows of a markdown table whose first cell is a back-quoted code: `| \`CODE\` | Class | rationale |`. */
function docRows(markdown: string, heading: string): Map<string, [string, string]> {
  const section = markdown.split(/^## /m).find((part) => part.startsWith(heading)) ?? '';
  const rows = new Map<string, [string, string]>();
  for (const line of section.split('\n')) {
    const match = /^\|\s*`([A-Z_]+)`\s*\|([^|]+)\|(.+)\|$/.exec(line.trim());
    if (match) rows.set(match[1]!, [match[2]!.trim(), match[3]!.trim()]);
  }
  return rows;
}

describe('reason classifier', () => {
  it.each(fixture.reasonCodes.map((entry) => [entry.code, entry.suggestedClass]))(
    'has a policy entry for reason code %s (suggested %s)',
    (code) => {
      expect(Object.keys(REASON_CODE_POLICY)).toContain(code);
      expect(classifyReason({ code }).decidedBy).toBe('reason_code');
    },
  );

  it.each(fixture.subCodes.map((entry) => [entry.subCode, entry.classAdjustment]))(
    'adjusts the class for sub-code %s to %s',
    (subCode, adjustment) => {
      expect(Object.keys(SUB_CODE_POLICY)).toContain(subCode);
      const classified = classifyReason({ code: 'INTERNAL_ERROR', subCode });

      expect(classified.failureClass).toBe(adjustment ?? 'Transient');
    },
  );

  it('follows the suggested class of the fixture for every code', () => {
    const differences = fixture.reasonCodes.filter(
      ({ code, suggestedClass }) => classifyReason({ code }).failureClass !== suggestedClass,
    );

    expect(differences).toEqual([]);
  });

  it('lists no code the fixture does not know', () => {
    const known = new Set(fixture.reasonCodes.map((entry) => entry.code));

    expect(Object.keys(REASON_CODE_POLICY).filter((code) => !known.has(code))).toEqual([]);
    expect(Object.keys(SUB_CODE_POLICY).sort()).toEqual(fixture.subCodes.map((s) => s.subCode).sort());
  });

  it('uses only the failure classes the workflow matches on', () => {
    for (const { failureClass } of Object.values(REASON_CODE_POLICY)) {
      expect(FAILURE_CLASSES).toContain(failureClass);
    }
  });

  it('lets a sub-code override the class of the reason code', () => {
    expect(classifyReason({ code: 'RATE_LIMITED', subCode: 'INACTIVE_SENDER' })).toMatchObject({
      failureClass: 'Config',
      decidedBy: 'sub_code',
    });
    expect(classifyReason({ code: 'RATE_LIMITED', subCode: 'UNSPECIFIED_SUB_CODE' })).toMatchObject({
      failureClass: 'RateLimited',
      decidedBy: 'reason_code',
    });
  });

  it.each([
    [{ code: 'UNDELIVERABLE_DESTINATION' }],
    [{ code: 'constructor' }],
    [{ subCode: 'SOMETHING_NEW' }],
    [{}],
    [undefined],
  ])('classifies the unlisted reason %j as Unknown', (reason) => {
    expect(classifyReason(reason)).toMatchObject({ failureClass: 'Unknown', decidedBy: 'unlisted' });
  });

  it('is documented row for row in docs/reason-codes.md', () => {
    const markdown = readFileSync(docPath, 'utf8');
    const codes = docRows(markdown, 'Reason codes');
    const subCodes = docRows(markdown, 'Sub-codes');

    expect(
      new Map(Object.entries(REASON_CODE_POLICY).map(([c, p]) => [c, [p.failureClass, p.rationale]])),
    ).toEqual(codes);
    expect(
      new Map(Object.entries(SUB_CODE_POLICY).map(([c, p]) => [c, [p.failureClass ?? '–', p.rationale]])),
    ).toEqual(subCodes);
  });
});
