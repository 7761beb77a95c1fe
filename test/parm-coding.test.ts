import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdditionEncoder } from '../systems/parm/addition-encoder.ts';
import { ConcatenationEncoder } from '../systems/parm/concatenation-encoder.ts';
import { createEncoder, isEncoderKind } from '../systems/parm/create-encoder.ts';
import { degradedAccuracy, encodeConsecutiveGroups, groupCount } from '../systems/parm/degraded-accuracy.ts';
import { decodeBySubtraction } from '../systems/parm/subtraction-decoder.ts';
import { SeededRandom } from '../harness/seeded-random.ts';

const gray4 = { channels: 1, height: 4, width: 4 };

function seq(n: number, start = 0, step = 1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => start + i * step);
}

test('addition encoder sums the k queries elementwise, channel by channel', () => {
  const shape = { channels: 3, height: 2, width: 2 };
  const enc = new AdditionEncoder(3, shape);
  const a = seq(12, 0);
  const b = seq(12, 100, 2);
  const c = seq(12, -5, 0.5);
  const p = enc.encode([a, b, c]);
  for (let i = 0; i < 12; i++) assert.equal(p[i], a[i] + b[i] + c[i]);
});

test('encoders reject a wrong group size or sample length', () => {
  const enc = new AdditionEncoder(2, gray4);
  assert.throws(() => enc.encode([seq(16)]), /k = 2 got 1 inputs/);
  assert.throws(() => enc.encode([seq(16), seq(15)]), /input 1 has 15 values, expected 16/);
  assert.throws(() => new AdditionEncoder(1, gray4), /k >= 2/);
  assert.throws(() => new ConcatenationEncoder(3, gray4), /k = 2 or 4/);
  assert.throws(() => new ConcatenationEncoder(2, { channels: 1, height: 4, width: 5 }), /divisible by 2/);
});

test('concatenation encoder, k = 2: width-halved images side by side', () => {
  const enc = new ConcatenationEncoder(2, gray4);
  const a = seq(16, 0); // row r: 4r .. 4r+3
  const b = seq(16, 100);
  const p = enc.encode([a, b]);
  for (let r = 0; r < 4; r++) {
    // left half: means of horizontal pairs of a; right half: of b
    assert.equal(p[r * 4 + 0], (a[r * 4] + a[r * 4 + 1]) / 2);
    assert.equal(p[r * 4 + 1], (a[r * 4 + 2] + a[r * 4 + 3]) / 2);
    assert.equal(p[r * 4 + 2], (b[r * 4] + b[r * 4 + 1]) / 2);
    assert.equal(p[r * 4 + 3], (b[r * 4 + 2] + b[r * 4 + 3]) / 2);
  }
});

test('concatenation encoder, k = 4: quadrants of 2x2-averaged images, per channel', () => {
  const shape = { channels: 2, height: 4, width: 4 };
  const enc = new ConcatenationEncoder(4, shape);
  const imgs = [0, 1, 2, 3].map((q) => Float32Array.from({ length: 32 }, (_, i) => q * 1000 + i));
  const p = enc.encode(imgs);
  const at = (x: Float32Array, c: number, y: number, xx: number) => x[c * 16 + y * 4 + xx];
  for (let c = 0; c < 2; c++) {
    for (let q = 0; q < 4; q++) {
      const oy = Math.floor(q / 2) * 2;
      const ox = (q % 2) * 2;
      for (let ty = 0; ty < 2; ty++) {
        for (let tx = 0; tx < 2; tx++) {
          const x = imgs[q];
          const mean =
            (at(x, c, 2 * ty, 2 * tx) + at(x, c, 2 * ty, 2 * tx + 1) + at(x, c, 2 * ty + 1, 2 * tx) + at(x, c, 2 * ty + 1, 2 * tx + 1)) / 4;
          assert.equal(p[c * 16 + (oy + ty) * 4 + ox + tx], mean, `channel ${c} quadrant ${q} (${ty},${tx})`);
        }
      }
    }
  }
});

test('createEncoder and isEncoderKind', () => {
  assert.equal(createEncoder('addition', 3, gray4).kind, 'addition');
  assert.equal(createEncoder('concatenation', 2, gray4).k, 2);
  assert.ok(isEncoderKind('concatenation'));
  assert.ok(!isEncoderKind('xor'));
});

test('subtraction decoder: Fp(P) minus the other outputs, exactly', () => {
  const rnd = new SeededRandom(7);
  const parity = Float32Array.from({ length: 10 }, () => rnd.nextNormal());
  const others = [0, 1, 2].map(() => Float32Array.from({ length: 10 }, () => rnd.nextNormal()));
  const out = decodeBySubtraction(parity, others);
  for (let i = 0; i < 10; i++) {
    let expected = Math.fround(parity[i]);
    for (const o of others) expected = Math.fround(expected - o[i]);
    assert.equal(out[i], expected);
  }
  assert.throws(() => decodeBySubtraction(parity, [new Float32Array(9)]), /9 values, parity output has 10/);
});

test('a perfect parity model reconstructs every erased output', () => {
  // Deployed outputs: random; parity output of each group = exact sum. Then every decoded
  // output equals the original, so accuracy equals the deployed model's and agreement is 1.
  const rnd = new SeededRandom(3);
  const classes = 5;
  const count = 23; // 7 groups of 3, two samples left over
  const k = 3;
  const deployed = Float32Array.from({ length: count * classes }, () => rnd.nextNormal() * 3);
  const labels = Uint8Array.from({ length: count }, () => rnd.nextInt(classes));
  const groups = groupCount(count, k);
  assert.equal(groups, 7);
  const parity = new Float32Array(groups * classes);
  for (let g = 0; g < groups; g++)
    for (let j = 0; j < k; j++) for (let c = 0; c < classes; c++) parity[g * classes + c] += deployed[(g * k + j) * classes + c];
  const r = degradedAccuracy(deployed, parity, labels, count, k, classes);
  assert.equal(r.reconstructions, 21);
  assert.equal(r.agreement, 1);
  let correct = 0;
  for (let n = 0; n < 21; n++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (deployed[n * classes + c] > deployed[n * classes + best]) best = c;
    if (best === labels[n]) correct++;
  }
  assert.equal(r.correct, correct);
});

test('a useless parity model (zeros) is scored as such', () => {
  // Decoded = -(sum of the others): with 2 classes and k = 2, the reconstruction of sample j
  // is -F(X_other), whose argmax is the other sample's losing class.
  const deployed = Float32Array.from([5, 0, /* sample 1 */ 0, 5]);
  const labels = Uint8Array.from([0, 1]);
  const r = degradedAccuracy(deployed, new Float32Array(2), labels, 2, 2, 2);
  // erase 0: decoded = -[0,5] = [0,-5] -> class 0 (right). erase 1: decoded = -[5,0] -> class 1 (right).
  assert.equal(r.correct, 2);
  const wrongLabels = Uint8Array.from([1, 0]);
  assert.equal(degradedAccuracy(deployed, new Float32Array(2), wrongLabels, 2, 2, 2).correct, 0);
});

test('encodeConsecutiveGroups encodes samples g*k .. g*k+k-1', () => {
  const enc = new AdditionEncoder(2, { channels: 1, height: 1, width: 3 });
  const images = Float32Array.from([1, 2, 3, 10, 20, 30, 100, 200, 300]);
  const p = encodeConsecutiveGroups(enc, images, 3);
  assert.deepEqual(Array.from(p), [11, 22, 33]);
});
