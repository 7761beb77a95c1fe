/**
 * Loss kernels: each returns the mean loss (accumulated in f64) and writes the gradient of
 * that mean with respect to the network outputs y into dy.
 *
 * y and dy are [paddedRows][outWidth]; only the first `outs` columns and `rows` rows are real.
 * dy is zero in the padding columns and in rows rows..paddedRows-1, so later kernels may run
 * over the padded shapes.
 */

/**
 * Mean squared error over all rows x outs values (PyTorch MSELoss, reduction 'mean'):
 *   loss = sum (y - t)^2 / (rows * outs),   dy = (2 / (rows * outs)) * (y - t).
 * targets are [rows][outs] with no padding.
 */
export function mseLoss(y: usize, targets: usize, dy: usize, rows: i32, paddedRows: i32, outs: i32, outWidth: i32): f64 {
  const outBytes = <usize>outWidth << 2;
  const norm = <f32>(2.0 / (<f64>rows * <f64>outs));
  let total: f64 = 0;
  let yr = y;
  let gr = dy;
  let tp = targets;
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outs; o++) {
      const diff = load<f32>(yr + (<usize>o << 2)) - load<f32>(tp);
      total += <f64>diff * <f64>diff;
      store<f32>(gr + (<usize>o << 2), norm * diff);
      tp += 4;
    }
    for (let o = outs; o < outWidth; o++) store<f32>(gr + (<usize>o << 2), 0);
    yr += outBytes;
    gr += outBytes;
  }
  memory.fill(gr, 0, <usize>(paddedRows - rows) * outBytes);
  return total / (<f64>rows * <f64>outs);
}

/**
 * Softmax cross-entropy with integer labels, mean over rows (PyTorch CrossEntropyLoss):
 *   logp = y - max - log(sum exp(y - max)),  loss = -mean logp[label],
 *   dy = (exp(logp) - onehot(label)) / rows.
 * labels are one byte per row; the caller checks that each is below outs.
 */
export function crossEntropyLoss(y: usize, labels: usize, dy: usize, rows: i32, paddedRows: i32, outs: i32, outWidth: i32): f64 {
  const outBytes = <usize>outWidth << 2;
  const invRows = <f32>(1.0 / <f64>rows);
  let total: f64 = 0;
  let yr = y;
  let gr = dy;
  for (let r = 0; r < rows; r++) {
    let max = load<f32>(yr);
    for (let o = 1; o < outs; o++) max = Mathf.max(max, load<f32>(yr + (<usize>o << 2)));
    let sum: f32 = 0;
    for (let o = 0; o < outs; o++) sum += Mathf.exp(load<f32>(yr + (<usize>o << 2)) - max);
    const logSum = Mathf.log(sum);
    const label = <i32>load<u8>(labels + <usize>r);
    for (let o = 0; o < outs; o++) {
      const logp = load<f32>(yr + (<usize>o << 2)) - max - logSum;
      if (o == label) total -= <f64>logp;
      const p = Mathf.exp(logp);
      store<f32>(gr + (<usize>o << 2), (o == label ? p - 1 : p) * invRows);
    }
    for (let o = outs; o < outWidth; o++) store<f32>(gr + (<usize>o << 2), 0);
    yr += outBytes;
    gr += outBytes;
  }
  memory.fill(gr, 0, <usize>(paddedRows - rows) * outBytes);
  return total / <f64>rows;
}
