import seedrandom from 'seedrandom';

/** Saved generator state, so that an interrupted run can resume the same random stream. */
export type RandomState = object;

/**
 * A seeded random stream. Every random choice of the project (initialisation, shuffling, splits,
 * augmentation, subsets) draws from one of these, derived from the run's seed by a label, so that
 * adding a new consumer does not shift the numbers of the others.
 */
export class Random {
  private readonly prng: seedrandom.StatefulPRNG<seedrandom.State.Arc4>;

  constructor(
    readonly seed: string | number,
    state?: RandomState,
  ) {
    this.prng = seedrandom(String(seed), { state: (state as seedrandom.State.Arc4 | undefined) ?? true });
  }

  /** A new independent stream for one purpose, e.g. `random.derive('shuffle')`. */
  derive(label: string): Random {
    return new Random(`${this.seed}/${label}`);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.prng.double();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.prng.double() * n);
  }

  /** A 32-bit integer seed for a tfjs initializer. */
  seedInt(): number {
    return this.prng.int32() >>> 0;
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(items: T[] | Int32Array | Uint32Array): typeof items {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /** 0..n-1 in random order. */
  permutation(n: number): Int32Array {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return this.shuffle(order) as Int32Array;
  }

  state(): RandomState {
    return this.prng.state();
  }
}
