/**
 * `1 delivery`, `3 deliveries`: a number with its noun, so summaries read as sentences.
 *
 * @example
 * count(1, 'parked receipt'); // '1 parked receipt'
 * count(2, 'delivery', 'deliveries'); // '2 deliveries'
 */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
