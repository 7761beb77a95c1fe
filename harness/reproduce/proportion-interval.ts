/**
 * The Wilson score 95% interval for a proportion (successes out of n). It treats the n trials as
 * independent, which is an approximation for reconstructions that share a coding group.
 */
export function wilsonInterval(successes: number, n: number, z = 1.959963984540054): [number, number] {
  if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`wilsonInterval: n must be a positive integer, got ${n}`);
  if (!(successes >= 0 && successes <= n)) throw new RangeError(`wilsonInterval: successes must be between 0 and n (${n}), got ${successes}`);
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
