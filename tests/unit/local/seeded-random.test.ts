import { createSeededRandom } from '../../../local/seeded-random';

describe('seeded random', () => {
  it('repeats the same sequence for the same seed and differs for another', () => {
    const a = createSeededRandom(7);
    const b = createSeededRandom(7);
    const c = createSeededRandom(8);

    const first = Array.from({ length: 5 }, () => a.next());

    expect(Array.from({ length: 5 }, () => b.next())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(first);
  });

  it('keeps values in range', () => {
    const random = createSeededRandom(1);

    for (let i = 0; i < 1000; i += 1) {
      const value = random.next();
      const int = random.int(1, 3);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      expect([1, 2, 3]).toContain(int);
    }
  });

  it('hits a probability roughly as often as asked', () => {
    const random = createSeededRandom(3);

    const hits = Array.from({ length: 10_000 }, () => random.chance(0.1)).filter(Boolean).length;

    expect(hits).toBeGreaterThan(800);
    expect(hits).toBeLessThan(1200);
  });
});
