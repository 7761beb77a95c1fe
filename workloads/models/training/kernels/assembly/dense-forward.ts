import { sumLanes4 } from './horizontal-sum';

/**
 * Forward pass of one dense layer over a block of rows:
 *   y[r][o] = bias[o] + sum_i x[r][i] * w[o][i]     (then max(0, .) when relu != 0)
 *
 * Layout (byte pointers into linear memory, f32 row-major):
 *   x [rows][inWidth], w [outWidth][inWidth] (the Gemm transB layout), bias [outWidth],
 *   y [rows][outWidth].
 * Requirements: rows % 2 == 0, inWidth % 4 == 0, outWidth % 4 == 0 (the engine pads every
 * width with zero columns and rounds the row count up).
 *
 * Both operands are contiguous along i, so the inner loop is a 4-wide dot product. The
 * register block is 2 rows x 4 outputs (8 accumulators); the four weight rows of an output
 * block stay in L1 while every row pair streams past them.
 */
export function denseForward(x: usize, w: usize, bias: usize, y: usize, rows: i32, inWidth: i32, outWidth: i32, relu: i32): void {
  const inBytes = <usize>inWidth << 2;
  const outBytes = <usize>outWidth << 2;
  const zero = f32x4.splat(0);
  for (let o: usize = 0; o < outBytes; o += 16) {
    const w0 = w + (o >> 2) * inBytes;
    const w1 = w0 + inBytes;
    const w2 = w1 + inBytes;
    const w3 = w2 + inBytes;
    const b = v128.load(bias + o);
    let xr = x;
    let yr = y + o;
    for (let r = 0; r < rows; r += 2) {
      const xs = xr + inBytes;
      let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
      let c0 = zero, c1 = zero, c2 = zero, c3 = zero;
      for (let k: usize = 0; k < inBytes; k += 16) {
        const u = v128.load(xr + k);
        const v = v128.load(xs + k);
        let q = v128.load(w0 + k);
        a0 = f32x4.add(a0, f32x4.mul(u, q));
        c0 = f32x4.add(c0, f32x4.mul(v, q));
        q = v128.load(w1 + k);
        a1 = f32x4.add(a1, f32x4.mul(u, q));
        c1 = f32x4.add(c1, f32x4.mul(v, q));
        q = v128.load(w2 + k);
        a2 = f32x4.add(a2, f32x4.mul(u, q));
        c2 = f32x4.add(c2, f32x4.mul(v, q));
        q = v128.load(w3 + k);
        a3 = f32x4.add(a3, f32x4.mul(u, q));
        c3 = f32x4.add(c3, f32x4.mul(v, q));
      }
      let s = f32x4.add(b, sumLanes4(a0, a1, a2, a3));
      let t = f32x4.add(b, sumLanes4(c0, c1, c2, c3));
      if (relu) {
        s = f32x4.max(s, zero);
        t = f32x4.max(t, zero);
      }
      v128.store(yr, s);
      v128.store(yr + outBytes, t);
      xr += inBytes << 1;
      yr += outBytes << 1;
    }
  }
}
