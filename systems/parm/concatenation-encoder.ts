import { checkGroup, sampleLength, type Encoder, type SampleShape } from './encoder.ts';

/**
 * The paper's image-concatenation encoder: each of the k images is downsampled and the small
 * images are tiled into one image of the original size.
 * - k = 2: each image is halved in width (the mean of each horizontal pair of pixels), and the
 *   two H x W/2 halves are placed side by side (query 1 left, query 2 right).
 * - k = 4: each image is halved in both directions (the mean of each 2 x 2 block), and the four
 *   H/2 x W/2 quadrants are placed top-left, top-right, bottom-left, bottom-right.
 * Downsampling averages, so the parity image keeps the pixel range of the originals.
 */
export class ConcatenationEncoder implements Encoder {
  readonly kind = 'concatenation' as const;
  private readonly tilesAcross: number;
  private readonly tilesDown: number;

  constructor(
    readonly k: number,
    readonly shape: SampleShape,
  ) {
    if (k !== 2 && k !== 4) {
      throw new RangeError(`concatenation encoder supports k = 2 or 4 (as in the paper), got ${k}`);
    }
    this.tilesAcross = 2;
    this.tilesDown = k === 4 ? 2 : 1;
    if (shape.width % this.tilesAcross !== 0 || shape.height % this.tilesDown !== 0) {
      throw new RangeError(
        `concatenation encoder with k = ${k} needs ${k === 4 ? 'height and width' : 'a width'} divisible by 2, ` +
          `got ${shape.height} x ${shape.width}`,
      );
    }
  }

  encodeInto(inputs: readonly Float32Array[], out: Float32Array, outOffset: number): void {
    checkGroup(this, inputs);
    const { channels, height, width } = this.shape;
    const fy = this.tilesDown;
    const fx = this.tilesAcross;
    const tileH = height / fy;
    const tileW = width / fx;
    const scale = 1 / (fx * fy);
    for (let q = 0; q < inputs.length; q++) {
      const x = inputs[q];
      const tileRow = Math.floor(q / this.tilesAcross);
      const tileCol = q % this.tilesAcross;
      for (let c = 0; c < channels; c++) {
        const plane = c * height * width;
        for (let ty = 0; ty < tileH; ty++) {
          const outRow = outOffset + plane + (tileRow * tileH + ty) * width + tileCol * tileW;
          for (let tx = 0; tx < tileW; tx++) {
            let s = 0;
            for (let dy = 0; dy < fy; dy++) {
              const inRow = plane + (ty * fy + dy) * width + tx * fx;
              for (let dx = 0; dx < fx; dx++) s += x[inRow + dx];
            }
            out[outRow + tx] = s * scale;
          }
        }
      }
    }
  }

  encode(inputs: readonly Float32Array[]): Float32Array {
    const out = new Float32Array(sampleLength(this.shape));
    this.encodeInto(inputs, out, 0);
    return out;
  }
}
