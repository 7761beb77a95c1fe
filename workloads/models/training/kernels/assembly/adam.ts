/**
 * One Adam step over `count` parameters (count % 4 == 0), in the order of operations of
 * PyTorch's torch.optim.Adam (weight decay as an L2 term added to the gradient, not AdamW):
 *   g = grad + weightDecay * p
 *   m = m + (1 - beta1) * (g - m)
 *   v = v * beta2 + (1 - beta2) * g * g
 *   p = p - stepSize * m / (sqrt(v) / biasCorrection2Sqrt + epsilon)
 * with stepSize = lr / (1 - beta1^t) and biasCorrection2Sqrt = sqrt(1 - beta2^t), which the
 * caller computes in double precision for step t.
 */
export function adamStep(
  params: usize, grads: usize, m: usize, v: usize, count: i32,
  stepSize: f32, biasCorrection2Sqrt: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  epsilon: f32, weightDecay: f32,
): void {
  const wd = f32x4.splat(weightDecay);
  const c1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2);
  const c2 = f32x4.splat(oneMinusBeta2);
  const bc2 = f32x4.splat(biasCorrection2Sqrt);
  const eps = f32x4.splat(epsilon);
  const negStep = f32x4.splat(-stepSize);
  const end = <usize>count << 2;
  for (let k: usize = 0; k < end; k += 16) {
    const p = v128.load(params + k);
    const g = f32x4.add(v128.load(grads + k), f32x4.mul(wd, p));
    let mk = v128.load(m + k);
    mk = f32x4.add(mk, f32x4.mul(c1, f32x4.sub(g, mk)));
    let vk = f32x4.mul(v128.load(v + k), b2);
    vk = f32x4.add(vk, f32x4.mul(f32x4.mul(c2, g), g));
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vk), bc2), eps);
    v128.store(m + k, mk);
    v128.store(v + k, vk);
    v128.store(params + k, f32x4.add(p, f32x4.div(f32x4.mul(negStep, mk), denom)));
  }
}
