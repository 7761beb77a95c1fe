import { checkGroup, sampleLength, type Encoder, type SampleShape } from './encoder.ts';

/**
 * The paper's default encoder: the parity query is the elementwise sum of the k queries
 * (multi-channel images are summed channel by channel, which elementwise sum already is).
 */
export class AdditionEncoder implements Encoder {
  readonly kind = 'addition' as const;

  constructor(
    readonly k: number,
    readonly shape: SampleShape,
  ) {
    if (!Number.isInteger(k) || k < 2) throw new RangeError(`addition encoder needs k >= 2, got ${k}`);
  }

  encodeInto(inputs: readonly Float32Array[], out: Float32Array, outOffset: number): void {
    checkGroup(this, inputs);
    const n = sampleLength(this.shape);
    const first = inputs[0];
    for (let i = 0; i < n; i++) out[outOffset + i] = first[i];
    for (let j = 1; j < inputs.length; j++) {
      const x = inputs[j];
      for (let i = 0; i < n; i++) out[outOffset + i] += x[i];
    }
  }

  encode(inputs: readonly Float32Array[]): Float32Array {
    const out = new Float32Array(sampleLength(this.shape));
    this.encodeInto(inputs, out, 0);
    return out;
  }
}
