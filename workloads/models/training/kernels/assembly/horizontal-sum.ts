/**
 * Horizontal reduction helper for the dense kernels: four f32x4 accumulators in, one f32x4
 * out whose lane j is the sum of the four lanes of accumulator j.
 */
// @ts-ignore: decorator
@inline
export function sumLanes4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  // lanes of (a0 a1) interleaved: [a0.0 a1.0 a0.1 a1.1] + [a0.2 a1.2 a0.3 a1.3]
  const s01 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), v128.shuffle<f32>(a0, a1, 2, 6, 3, 7));
  const s23 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), v128.shuffle<f32>(a2, a3, 2, 6, 3, 7));
  // s01 = [a0.02 a1.02 a0.13 a1.13], s23 likewise: pair the halves
  return f32x4.add(v128.shuffle<f32>(s01, s23, 0, 1, 4, 5), v128.shuffle<f32>(s01, s23, 2, 3, 6, 7));
}
