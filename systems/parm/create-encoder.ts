import { AdditionEncoder } from './addition-encoder.ts';
import { ConcatenationEncoder } from './concatenation-encoder.ts';
import { ENCODER_KINDS, type Encoder, type EncoderKind, type SampleShape } from './encoder.ts';

export function isEncoderKind(value: unknown): value is EncoderKind {
  return typeof value === 'string' && (ENCODER_KINDS as readonly string[]).includes(value);
}

export function createEncoder(kind: EncoderKind, k: number, shape: SampleShape): Encoder {
  switch (kind) {
    case 'addition':
      return new AdditionEncoder(k, shape);
    case 'concatenation':
      return new ConcatenationEncoder(k, shape);
  }
}
