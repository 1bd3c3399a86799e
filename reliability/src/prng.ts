/** mulberry32: the suite's own decisions (who cancels, who double-taps…) are reproducible from a seed. */
export interface Rng {
  next(): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

/** RELIABILITY_SEED overrides the fixed default, to explore other interleavings. */
export const SEED = Number(process.env.RELIABILITY_SEED ?? 20250808);
