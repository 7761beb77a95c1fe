import { instancesNeeded } from '../bench/system-instances.ts';
import { wilsonInterval } from './proportion-interval.ts';

/**
 * The paper's claims, each judged by a rule fixed before any result was looked at. A verdict is
 * "holds", "does not hold" or "inconclusive" (the data cannot tell, or a point needed for the
 * claim was INVALID); "reported" marks a measured comparison for which the reference states no
 * number to compare with. Only VALID points (both systems valid and complete: enough queries
 * for p99.9 by the binomial rule, no lost query, send lag within bound) can make a claim hold
 * or fail; an INVALID point can only make it inconclusive.
 */
export type Verdict = 'holds' | 'does not hold' | 'inconclusive' | 'reported';

export interface Claim {
  readonly figure: string;
  readonly claim: string;
  /** What the paper reports. */
  readonly paper: string;
  /** Our measurement, with its 95% interval. */
  readonly ours: string;
  readonly verdict: Verdict;
  /** The rule the verdict follows. */
  readonly rule: string;
  readonly runDir: string;
  readonly notes: readonly string[];
}

/** ParM against one other system at one point of a figure. Ratios are ParM / other. */
export interface ComparisonPoint {
  /** The point's x value (rate, k, shuffles, batch size). */
  readonly x: number;
  readonly against: string;
  readonly medianRatio: number;
  readonly medianRatioCi95: readonly [number, number];
  readonly gapRatio: number;
  readonly gapRatioCi95: readonly [number, number];
  /** Both systems VALID and complete at this point. */
  readonly valid: boolean;
  readonly invalidReasons: readonly string[];
}

export interface ClaimContext {
  readonly figure: string;
  readonly runDir: string;
  /** Name of the x parameter, for "at rate = 270". */
  readonly parameter: string;
  /** Points planned but not measured (Ctrl-C): the claim cannot hold everywhere. */
  readonly missingPoints: readonly number[];
}

/** The margin by which ParM's median may exceed the other's and still "keep the same median". */
export const MEDIAN_MARGIN = 1.05;
/** The paper's best gap reduction against equal resources. */
export const PAPER_GAP_REDUCTION = 3.5;

const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : x > 0 ? '∞' : 'n/a');
const f3 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : x > 0 ? '∞' : 'n/a');
const ci = (c: readonly [number, number], f = f3): string => `[${f(c[0])}, ${f(c[1])}]`;
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function invalidNotes(points: readonly ComparisonPoint[], ctx: ClaimContext): string[] {
  const notes = points.filter((p) => !p.valid).map((p) => `${ctx.parameter} = ${p.x} INVALID (${p.invalidReasons.join('; ') || 'partial'}): not counted`);
  if (ctx.missingPoints.length > 0) notes.push(`${ctx.parameter} = ${ctx.missingPoints.join(', ')}: not measured (stopped early)`);
  return notes;
}

const complete = (points: readonly ComparisonPoint[], ctx: ClaimContext): boolean => ctx.missingPoints.length === 0 && points.every((p) => p.valid);

/** "ParM keeps the median of the other system": at every point, ParM's median at most 5% above. */
export function judgeMedianKept(points: readonly ComparisonPoint[], ctx: ClaimContext): Claim {
  const against = points[0]?.against ?? 'equal-resources';
  const valid = points.filter((p) => p.valid);
  const rule =
    `holds if at every point the 95% CI of the median ratio ParM/${against} lies at or below ${MEDIAN_MARGIN} (ParM's median at most 5% above) and every point is VALID; ` +
    `does not hold if at some VALID point the CI lies wholly above ${MEDIAN_MARGIN}; otherwise inconclusive`;
  const worst = [...points].sort((a, b) => b.medianRatioCi95[1] - a.medianRatioCi95[1])[0];
  const ours =
    points.length === 0
      ? 'no point with both systems measured'
      : `median ratio ${f3(Math.min(...points.map((p) => p.medianRatio)))}-${f3(Math.max(...points.map((p) => p.medianRatio)))} over ${points.length} point(s); ` +
        `highest CI ${ci(worst.medianRatioCi95)} at ${ctx.parameter} = ${worst.x}`;
  let verdict: Verdict;
  if (valid.some((p) => p.medianRatioCi95[0] > MEDIAN_MARGIN)) verdict = 'does not hold';
  else if (valid.length > 0 && complete(points, ctx) && valid.every((p) => p.medianRatioCi95[1] <= MEDIAN_MARGIN)) verdict = 'holds';
  else verdict = 'inconclusive';
  return {
    figure: ctx.figure,
    claim: `ParM keeps the median of ${against}`,
    paper: 'same median',
    ours,
    verdict,
    rule,
    runDir: ctx.runDir,
    notes: invalidNotes(points, ctx),
  };
}

/** The gap reduction (other's gap / ParM's gap) and its CI, from the gap ratio ParM / other. */
export function gapReduction(p: ComparisonPoint): { value: number; ci95: [number, number] } {
  const inv = (x: number): number => (x > 0 ? 1 / x : Infinity);
  return { value: inv(p.gapRatio), ci95: [inv(p.gapRatioCi95[1]), inv(p.gapRatioCi95[0])] };
}

function bestReduction(points: readonly ComparisonPoint[]): ComparisonPoint | undefined {
  return [...points].sort((a, b) => gapReduction(b).value - gapReduction(a).value)[0];
}

/** "ParM reduces the p99.9 - p50 gap against the other system" (direction, somewhere in the figure). */
export function judgeGapReduced(points: readonly ComparisonPoint[], ctx: ClaimContext): Claim {
  const against = points[0]?.against ?? 'equal-resources';
  const valid = points.filter((p) => p.valid);
  const rule =
    `holds if at some VALID point the 95% CI of the gap ratio ParM/${against} lies wholly below 1; ` +
    `does not hold if every point is VALID and at each the CI lies at or above 1 (never smaller, beyond noise); otherwise inconclusive`;
  const best = bestReduction(points);
  const ours = best
    ? `smallest gap ratio ${f3(best.gapRatio)} ${ci(best.gapRatioCi95)} at ${ctx.parameter} = ${best.x}; ` +
      `below 1 beyond noise at ${valid.filter((p) => p.gapRatioCi95[1] < 1).length} of ${points.length} point(s)`
    : 'no point with both systems measured';
  let verdict: Verdict;
  if (valid.some((p) => p.gapRatioCi95[1] < 1)) verdict = 'holds';
  else if (valid.length > 0 && complete(points, ctx) && valid.every((p) => p.gapRatioCi95[0] >= 1)) verdict = 'does not hold';
  else verdict = 'inconclusive';
  return {
    figure: ctx.figure,
    claim: `ParM reduces the p99.9-p50 gap against ${against}`,
    paper: 'smaller gap',
    ours,
    verdict,
    rule,
    runDir: ctx.runDir,
    notes: invalidNotes(points, ctx),
  };
}

/** "By up to 3.5x": the best point's reduction (other's gap / ParM's gap) against the paper's figure. */
export function judgeGapReductionUpTo(points: readonly ComparisonPoint[], ctx: ClaimContext, target = PAPER_GAP_REDUCTION): Claim {
  const against = points[0]?.against ?? 'equal-resources';
  const valid = points.filter((p) => p.valid);
  const rule =
    `the reduction is ${against}'s gap / ParM's gap with the inverted bootstrap CI of the gap ratio; at the VALID point with the largest reduction: ` +
    `holds if its CI lies above 1 and reaches ${target}; does not hold if every point is VALID and no point's CI reaches ${target}; otherwise inconclusive ` +
    `(the largest of several points is an optimistic pick)`;
  const best = bestReduction(valid) ?? bestReduction(points);
  let ours = 'no point with both systems measured';
  if (best) {
    const r = gapReduction(best);
    ours = `up to ${f2(r.value)}x ${ci(r.ci95, f2)} at ${ctx.parameter} = ${best.x}${best.valid ? '' : ' (INVALID point)'}`;
  }
  let verdict: Verdict = 'inconclusive';
  const bestValid = bestReduction(valid);
  if (bestValid) {
    const r = gapReduction(bestValid);
    if (r.ci95[0] > 1 && r.ci95[1] >= target) verdict = 'holds';
    else if (complete(points, ctx) && valid.every((p) => gapReduction(p).ci95[1] < target)) verdict = 'does not hold';
  }
  return {
    figure: ctx.figure,
    claim: `ParM reduces the p99.9-p50 gap against ${against} by up to ${target}x`,
    paper: `up to ${target}x`,
    ours,
    verdict,
    rule,
    runDir: ctx.runDir,
    notes: invalidNotes(points, ctx),
  };
}

/** A measured comparison with no number in the reference to judge it by. */
export function reportComparison(points: readonly ComparisonPoint[], ctx: ClaimContext): Claim {
  const against = points[0]?.against ?? '?';
  const ours =
    points.length === 0
      ? 'no point with both systems measured'
      : points
          .map((p) => `${ctx.parameter} = ${p.x}: gap ratio ${f3(p.gapRatio)} ${ci(p.gapRatioCi95)}, median ratio ${f3(p.medianRatio)} ${ci(p.medianRatioCi95)}${p.valid ? '' : ' (INVALID)'}`)
          .join('; ');
  return {
    figure: ctx.figure,
    claim: `ParM against ${against}: tail gap and median (ratios ParM/${against})`,
    paper: 'no number in the reference',
    ours,
    verdict: 'reported',
    rule: 'reported, not judged: the reference gives no figure for this comparison',
    runDir: ctx.runDir,
    notes: invalidNotes(points, ctx),
  };
}

/** "ParM uses 2-4x less additional resources than replication (k = 2..4)": instance counts, structural. */
export function judgeResourcesVsReplication(n: number, ks: readonly number[], ctx: Pick<ClaimContext, 'figure' | 'runDir'>): Claim {
  const rows = ks.map((k) => {
    const parm = instancesNeeded('parm', n, k);
    const extraParm = parm.parity + parm.backup + parm.deployed - n;
    const extraReplication = instancesNeeded('replication', n, k).deployed - n;
    return { k, extraParm, extraReplication, ratio: extraReplication / extraParm };
  });
  const ok = rows.length > 0 && rows.every((r) => r.ratio === r.k && r.ratio >= 2 && r.ratio <= 4);
  return {
    figure: ctx.figure,
    claim: 'ParM needs k times fewer additional instances than replication (2-4x for k = 2..4)',
    paper: '2-4x less',
    ours: rows.map((r) => `k=${r.k}: ${r.extraParm} vs ${r.extraReplication} extra instances for N=${n} (${f2(r.ratio)}x)`).join('; '),
    verdict: ok ? 'holds' : 'does not hold',
    rule: 'structural (instance counts the bench starts, harness/bench/system-instances.ts): holds if for every k run the ratio of extra instances is k and lies in 2..4',
    runDir: ctx.runDir,
    notes: [],
  };
}

/** The Learning-a-Code range of reconstructed accuracy. */
export const PAPER_DEGRADED_RANGE: readonly [number, number] = [0.64, 0.98];

export function judgeDegradedAccuracy(
  model: { k: number; encoder: string; accuracy: number; reconstructions: number },
  ctx: Pick<ClaimContext, 'figure' | 'runDir'>,
): Claim {
  const [lo, hi] = PAPER_DEGRADED_RANGE;
  const correct = Math.round(model.accuracy * model.reconstructions);
  const c = wilsonInterval(correct, model.reconstructions);
  let verdict: Verdict;
  if (c[0] >= lo && c[1] <= hi) verdict = 'holds';
  else if (c[1] < lo || c[0] > hi) verdict = 'does not hold';
  else verdict = 'inconclusive';
  return {
    figure: ctx.figure,
    claim: `degraded-mode accuracy of the parity model (k=${model.k}, ${model.encoder}) lies in the published range`,
    paper: `${pct(lo)}-${pct(hi)}`,
    ours: `${pct(model.accuracy)} [${pct(c[0])}, ${pct(c[1])}] of ${model.reconstructions} reconstructions`,
    verdict,
    rule: `Wilson 95% CI (reconstructions treated as independent): holds if it lies inside ${pct(lo)}-${pct(hi)}; does not hold if wholly outside; otherwise inconclusive`,
    runDir: ctx.runDir,
    notes: [],
  };
}

/** The authors' Fashion-MNIST base MLP reaches 89.5%; ours is judged within 1 percentage point. */
export const PAPER_BASE_ACCURACY = 0.895;
export const BASE_ACCURACY_TOLERANCE = 0.01;

export function judgeBaseAccuracy(deployed: { accuracy: number; count: number }, ctx: Pick<ClaimContext, 'figure' | 'runDir'>): Claim {
  const lo = PAPER_BASE_ACCURACY - BASE_ACCURACY_TOLERANCE;
  const hi = PAPER_BASE_ACCURACY + BASE_ACCURACY_TOLERANCE;
  const c = wilsonInterval(Math.round(deployed.accuracy * deployed.count), deployed.count);
  let verdict: Verdict;
  if (c[0] >= lo && c[1] <= hi) verdict = 'holds';
  else if (c[1] < lo || c[0] > hi) verdict = 'does not hold';
  else verdict = 'inconclusive';
  return {
    figure: ctx.figure,
    claim: 'the deployed Fashion-MNIST MLP matches the authors\' test accuracy',
    paper: pct(PAPER_BASE_ACCURACY),
    ours: `${pct(deployed.accuracy)} [${pct(c[0])}, ${pct(c[1])}] on ${deployed.count} test images`,
    verdict,
    rule: `Wilson 95% CI: holds if it lies inside ${pct(lo)}-${pct(hi)} (the paper's figure +/- 1 point, for training-seed variation); does not hold if wholly outside; otherwise inconclusive`,
    runDir: ctx.runDir,
    notes: [],
  };
}
