import type { ImageDataset } from '../datasets/dataset.ts';
import type { ModelSet } from './model-set.ts';

/**
 * The inputs a model set's models take for a dataset: the dataset's pixels in [0, 1], checked
 * against the manifest's sample shape, with the manifest's per-channel normalisation applied
 * (a copy is made only when there is one).
 */
export function modelInputs(set: ModelSet, dataset: ImageDataset): Float32Array {
  const [c, h, w] = set.sampleShape;
  if (dataset.channels !== c || dataset.height !== h || dataset.width !== w) {
    throw new Error(
      `model set "${set.name}" (${set.manifestPath}) takes samples of ${c}x${h}x${w}, ` +
        `but dataset ${dataset.name} has ${dataset.channels}x${dataset.height}x${dataset.width}`,
    );
  }
  if (!set.normalize) return dataset.images;
  const out = new Float32Array(dataset.images.length);
  const plane = h * w;
  const { mean, std } = set.normalize;
  for (let n = 0; n < dataset.count; n++) {
    for (let ch = 0; ch < c; ch++) {
      const base = (n * c + ch) * plane;
      const m = mean[ch];
      const inv = 1 / std[ch];
      for (let i = 0; i < plane; i++) out[base + i] = (dataset.images[base + i] - m) * inv;
    }
  }
  return out;
}
