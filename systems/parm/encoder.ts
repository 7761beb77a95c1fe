/**
 * A ParM encoder turns the k queries of a coding group into one parity query.
 * Inputs and the output are single samples laid out channel-major (C x H x W), as the
 * deployed model takes them.
 */
export type EncoderKind = 'addition' | 'concatenation';

export interface SampleShape {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

export interface Encoder {
  readonly kind: EncoderKind;
  readonly k: number;
  readonly shape: SampleShape;
  /** Writes the parity input for the k given samples into `out` at `outOffset`. */
  encodeInto(inputs: readonly Float32Array[], out: Float32Array, outOffset: number): void;
  /** Returns a new parity input for the k given samples. */
  encode(inputs: readonly Float32Array[]): Float32Array;
}

export const ENCODER_KINDS: readonly EncoderKind[] = ['addition', 'concatenation'];

export function sampleLength(shape: SampleShape): number {
  return shape.channels * shape.height * shape.width;
}

export function checkGroup(encoder: Encoder, inputs: readonly Float32Array[]): void {
  if (inputs.length !== encoder.k) {
    throw new RangeError(`${encoder.kind} encoder with k = ${encoder.k} got ${inputs.length} inputs`);
  }
  const n = sampleLength(encoder.shape);
  for (let i = 0; i < inputs.length; i++) {
    if (inputs[i].length !== n) {
      throw new RangeError(`${encoder.kind} encoder: input ${i} has ${inputs[i].length} values, expected ${n}`);
    }
  }
}
