/**
 * Calls back at a given time with sub-millisecond precision and without spinning: a node timer
 * covers all but the last COARSE_MARGIN_MS (timers fire on whole milliseconds and often late),
 * then the thread sleeps on a futex (Atomics.wait, which takes fractional milliseconds) for the
 * rest. The final sleep blocks this process's event loop for at most COARSE_MARGIN_MS, which is
 * harmless in an instance server that serves one request at a time, and costs no CPU: many
 * instances can share a few cores.
 */

/** How long before the target the node timer hands over to the precise sleep. */
export const COARSE_MARGIN_MS = 2;

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Calls `callback` once `now()` >= `targetMs` (both on the performance.now() scale by default). */
export function waitUntil(targetMs: number, callback: () => void, now: () => number = () => performance.now()): void {
  const remaining = targetMs - now();
  if (remaining <= 0) {
    callback();
    return;
  }
  if (remaining > COARSE_MARGIN_MS) {
    setTimeout(() => waitUntil(targetMs, callback, now), Math.floor(remaining - COARSE_MARGIN_MS));
    return;
  }
  // Nobody notifies the cell: the sleep ends by its timeout (re-checked in case it ends early).
  for (let left = remaining; left > 0; left = targetMs - now()) Atomics.wait(sleepCell, 0, 0, left);
  callback();
}
