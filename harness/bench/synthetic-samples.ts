import { SeededRandom } from '../seeded-random.ts';

/**
 * Inputs for runs whose dataset cannot be read: `count` samples of `size` values drawn uniformly
 * from [0, 1) (the range of the datasets' pixels) with a seeded generator, so every system gets
 * the same inputs. They carry no labels: accuracy is n/a. What matters for latency is that the
 * tensors have the model's real shape and are not all alike.
 */
export function syntheticInputs(count: number, size: number, seed: number): Float32Array {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(size) || size < 1) {
    throw new RangeError(`synthetic inputs: count and size must be positive integers, got ${count} and ${size}`);
  }
  const random = new SeededRandom(seed);
  const out = new Float32Array(count * size);
  for (let i = 0; i < out.length; i++) out[i] = random.next();
  return out;
}

/** How many distinct synthetic samples a run draws from (a CIFAR-10-sized test split would be 10,000; 1,000 keeps memory small). */
export const SYNTHETIC_SAMPLE_COUNT = 1000;
