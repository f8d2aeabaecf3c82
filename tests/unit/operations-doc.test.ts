import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COLD_START_METRIC, METRIC_CATALOGUE, declaredMetricNames } from '../support/metric-catalogue';

/**
 * `docs/operations.md` lists every metric the functions publish. This keeps that table, the metric
 * catalogue the template and end-to-end tests use, and the `*_METRICS` lists in `lib/` in step.
 */

const DOC = join(__dirname, '..', '..', 'docs', 'operations.md');

interface DocumentedMetric {
  readonly unit: string;
  readonly dimensions: string[];
  readonly emittedBy: string[];
}

/** Rows of the table under `## Metrics`: `| \`Name\` | Unit | \`dim\` or — | fn, fn | meaning |`. */
function documentedMetrics(): Map<string, DocumentedMetric> {
  const section =
    readFileSync(DOC, 'utf8')
      .split(/^## /m)
      .find((part) => part.startsWith('Metrics')) ?? '';
  const rows = new Map<string, DocumentedMetric>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const name = /^`(\w+)`$/.exec(cells[1] ?? '')?.[1];
    if (!name) continue;
    rows.set(name, {
      unit: cells[2]!,
      dimensions: [...cells[3]!.matchAll(/`(\w+)`/g)].map((match) => match[1]!),
      emittedBy: cells[4]!.split(',').map((fn) => fn.trim()),
    });
  }
  return rows;
}

describe('operations documentation', () => {
  it('catalogues exactly the metrics the code declares, plus Powertools cold starts', () => {
    expect(Object.keys(METRIC_CATALOGUE).sort()).toEqual(
      [...new Set([...declaredMetricNames(), COLD_START_METRIC])].sort(),
    );
  });

  it('documents every metric with its unit, dimensions and the functions that emit it', () => {
    const documented = documentedMetrics();

    expect([...documented.keys()].sort()).toEqual(Object.keys(METRIC_CATALOGUE).sort());
    for (const [name, spec] of Object.entries(METRIC_CATALOGUE)) {
      expect([name, documented.get(name)]).toEqual([
        name,
        { unit: spec.unit, dimensions: [...spec.dimensions], emittedBy: [...spec.emittedBy] },
      ]);
    }
  });
});
