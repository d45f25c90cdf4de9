import { Random } from '../../src/engine/random.js';
import type { TensorDataset } from '../../src/data/dataset.js';

/**
 * A regression task with structure the downstream labels hide, for tests: y = f(x) for a fixed
 * smooth nonlinear f of 6 inputs. The broad set is large and clean (what a teacher learns f
 * from); the downstream set has few labels under heavy noise, so a student fitting them alone
 * learns f poorly, while the teacher's knowledge of f can guide it. Test targets are noise-free.
 */
export function syntheticRegression(options: { seed: number; downstream?: number; noise?: number }) {
  const { seed, downstream = 120, noise = 1.0 } = options;
  const random = new Random(seed);
  const dims = 6;
  const f = (x: Float32Array, o: number) =>
    Math.sin(2 * x[o]) + x[o + 1] * x[o + 2] + Math.cos(x[o + 3] + x[o + 4]) - 0.5 * x[o + 5] * x[o + 5];
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  const sample = (n: number, sigma: number): TensorDataset => {
    const x = Float32Array.from({ length: n * dims }, () => random.next() * 2 - 1);
    const y = Float32Array.from({ length: n }, (_, k) => f(x, k * dims) + sigma * gaussian());
    return {
      size: n,
      inputs: [{ values: x, shape: [dims], dtype: 'float32' }],
      target: { values: y, shape: [1], dtype: 'float32' },
    };
  };
  return {
    dims,
    broad: { train: sample(4000, 0.05), validation: sample(500, 0.05) },
    downstream: { train: sample(downstream, noise), validation: sample(60, noise), test: sample(2000, 0) },
  };
}
