/**
 * Backward pass of one dense layer y = x . w^T + bias (see dense-forward.ts for layouts).
 * All widths are multiples of 4; padding columns hold zeros, so they contribute nothing.
 */

/**
 * Weight gradient dw = dy^T . x over the first `rows` rows:
 *   dw[o][i] = sum_r dy[r][o] * x[r][i]
 * dy [rows][outWidth], x [rows][inWidth], dw [outWidth][inWidth]; overwrites dw.
 *
 * Outer-product form: the register block is 4 outputs x 8 inputs (8 accumulators); each row
 * r adds dy[r][o] (a broadcast scalar) times the contiguous x[r][i..i+8].
 */
export function denseWeightGrad(dy: usize, x: usize, dw: usize, rows: i32, inWidth: i32, outWidth: i32): void {
  const inBytes = <usize>inWidth << 2;
  const outBytes = <usize>outWidth << 2;
  const zero = f32x4.splat(0);
  for (let o: usize = 0; o < outBytes; o += 16) {
    const d0 = dw + (o >> 2) * inBytes;
    const d1 = d0 + inBytes;
    const d2 = d1 + inBytes;
    const d3 = d2 + inBytes;
    let i: usize = 0;
    for (; i + 32 <= inBytes; i += 32) {
      let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
      let c0 = zero, c1 = zero, c2 = zero, c3 = zero;
      let xp = x + i;
      let gp = dy + o;
      for (let r = 0; r < rows; r++) {
        const u = v128.load(xp);
        const v = v128.load(xp, 16);
        let s = v128.load32_splat(gp);
        a0 = f32x4.add(a0, f32x4.mul(s, u));
        c0 = f32x4.add(c0, f32x4.mul(s, v));
        s = v128.load32_splat(gp, 4);
        a1 = f32x4.add(a1, f32x4.mul(s, u));
        c1 = f32x4.add(c1, f32x4.mul(s, v));
        s = v128.load32_splat(gp, 8);
        a2 = f32x4.add(a2, f32x4.mul(s, u));
        c2 = f32x4.add(c2, f32x4.mul(s, v));
        s = v128.load32_splat(gp, 12);
        a3 = f32x4.add(a3, f32x4.mul(s, u));
        c3 = f32x4.add(c3, f32x4.mul(s, v));
        xp += inBytes;
        gp += outBytes;
      }
      v128.store(d0 + i, a0);
      v128.store(d0 + i, c0, 16);
      v128.store(d1 + i, a1);
      v128.store(d1 + i, c1, 16);
      v128.store(d2 + i, a2);
      v128.store(d2 + i, c2, 16);
      v128.store(d3 + i, a3);
      v128.store(d3 + i, c3, 16);
    }
    if (i < inBytes) {
      let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
      let xp = x + i;
      let gp = dy + o;
      for (let r = 0; r < rows; r++) {
        const u = v128.load(xp);
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(gp), u));
        a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(gp, 4), u));
        a2 = f32x4.add(a2, f32x4.mul(v128.load32_splat(gp, 8), u));
        a3 = f32x4.add(a3, f32x4.mul(v128.load32_splat(gp, 12), u));
        xp += inBytes;
        gp += outBytes;
      }
      v128.store(d0 + i, a0);
      v128.store(d1 + i, a1);
      v128.store(d2 + i, a2);
      v128.store(d3 + i, a3);
    }
  }
}

/**
 * Bias gradient: column sums db[o] = sum_r dy[r][o] over the first `rows` rows; overwrites db.
 */
export function denseBiasGrad(dy: usize, db: usize, rows: i32, outWidth: i32): void {
  const outBytes = <usize>outWidth << 2;
  for (let o: usize = 0; o < outBytes; o += 16) {
    let s = f32x4.splat(0);
    let gp = dy + o;
    for (let r = 0; r < rows; r++) {
      s = f32x4.add(s, v128.load(gp));
      gp += outBytes;
    }
    v128.store(db + o, s);
  }
}

/**
 * Input gradient through the layer and the ReLU that produced its input:
 *   dx[r][i] = (sum_o dy[r][o] * w[o][i])  if x[r][i] > 0, else 0
 * dy [rows][outWidth], w [outWidth][inWidth], x (the ReLU output fed to this layer) and
 * dx [rows][inWidth]. Requires rows % 4 == 0. Overwrites dx.
 *
 * Outer-product form: register block 4 rows x 8 inputs; each output o adds the broadcast
 * dy[r][o] times the contiguous w[o][i..i+8].
 */
export function denseInputGradRelu(dy: usize, w: usize, x: usize, dx: usize, rows: i32, inWidth: i32, outWidth: i32): void {
  const inBytes = <usize>inWidth << 2;
  const outBytes = <usize>outWidth << 2;
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r += 4) {
    const g0 = dy + <usize>r * outBytes;
    const g1 = g0 + outBytes;
    const g2 = g1 + outBytes;
    const g3 = g2 + outBytes;
    const x0 = x + <usize>r * inBytes;
    const e0 = dx + <usize>r * inBytes;
    let i: usize = 0;
    for (; i + 32 <= inBytes; i += 32) {
      let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
      let c0 = zero, c1 = zero, c2 = zero, c3 = zero;
      let wp = w + i;
      for (let o: usize = 0; o < outBytes; o += 4) {
        const u = v128.load(wp);
        const v = v128.load(wp, 16);
        let s = v128.load32_splat(g0 + o);
        a0 = f32x4.add(a0, f32x4.mul(s, u));
        c0 = f32x4.add(c0, f32x4.mul(s, v));
        s = v128.load32_splat(g1 + o);
        a1 = f32x4.add(a1, f32x4.mul(s, u));
        c1 = f32x4.add(c1, f32x4.mul(s, v));
        s = v128.load32_splat(g2 + o);
        a2 = f32x4.add(a2, f32x4.mul(s, u));
        c2 = f32x4.add(c2, f32x4.mul(s, v));
        s = v128.load32_splat(g3 + o);
        a3 = f32x4.add(a3, f32x4.mul(s, u));
        c3 = f32x4.add(c3, f32x4.mul(s, v));
        wp += inBytes;
      }
      storeMasked(e0 + i, a0, x0 + i, zero);
      storeMasked(e0 + i + 16, c0, x0 + i + 16, zero);
      storeMasked(e0 + inBytes + i, a1, x0 + inBytes + i, zero);
      storeMasked(e0 + inBytes + i + 16, c1, x0 + inBytes + i + 16, zero);
      storeMasked(e0 + 2 * inBytes + i, a2, x0 + 2 * inBytes + i, zero);
      storeMasked(e0 + 2 * inBytes + i + 16, c2, x0 + 2 * inBytes + i + 16, zero);
      storeMasked(e0 + 3 * inBytes + i, a3, x0 + 3 * inBytes + i, zero);
      storeMasked(e0 + 3 * inBytes + i + 16, c3, x0 + 3 * inBytes + i + 16, zero);
    }
    if (i < inBytes) {
      let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
      let wp = w + i;
      for (let o: usize = 0; o < outBytes; o += 4) {
        const u = v128.load(wp);
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(g0 + o), u));
        a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(g1 + o), u));
        a2 = f32x4.add(a2, f32x4.mul(v128.load32_splat(g2 + o), u));
        a3 = f32x4.add(a3, f32x4.mul(v128.load32_splat(g3 + o), u));
        wp += inBytes;
      }
      storeMasked(e0 + i, a0, x0 + i, zero);
      storeMasked(e0 + inBytes + i, a1, x0 + inBytes + i, zero);
      storeMasked(e0 + 2 * inBytes + i, a2, x0 + 2 * inBytes + i, zero);
      storeMasked(e0 + 3 * inBytes + i, a3, x0 + 3 * inBytes + i, zero);
    }
  }
}

/** Stores g where the ReLU output at xp is positive and 0 elsewhere (ReLU backward). */
// @ts-ignore: decorator
@inline
function storeMasked(dst: usize, g: v128, xp: usize, zero: v128): void {
  v128.store(dst, v128.and(g, f32x4.gt(v128.load(xp), zero)));
}
