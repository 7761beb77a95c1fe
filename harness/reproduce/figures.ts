import { isSystemName, type SystemName } from '../../systems/create-system.ts';

/**
 * The paper's experiments as `npm run reproduce` runs them: one definition per figure, each
 * naming the bench workload it runs (workloads/named/), the systems, the claims it checks, and
 * two variants:
 *
 * - full: the workload file as written (60 s measured per system and point, 5 s warm-up, every
 *   sweep value). The paper measured about 100,000 queries per run, three runs each; that would
 *   take hours per figure on one machine, so full runs once per point, 9,000-23,000 measured
 *   queries per system at the paper's rates: enough for the binomial rule's 4,603 for p99.9.
 * - quick: a shorter measured window (and, for the 5-point rate sweeps, 3 of the 5 rates: both
 *   ends and the middle), 3 s of warm-up. Quick runs carry wider intervals, and a point with fewer
 *   than 4,603 measured queries is INVALID by the binomial rule (its verdicts are then
 *   inconclusive); the durations below keep the expected count above that at every point.
 *
 * Parameters and their sources: docs in /work/shared/reference/parm.md ("Latency experiments",
 * "Headline results"); each workload file states the reason for its own parameters.
 */
export const FIGURE_IDS = ['9a', '9b', '10', '11', '12', '13', 'batching', 'accuracy'] as const;
export type FigureId = (typeof FIGURE_IDS)[number];

export function isFigureId(value: unknown): value is FigureId {
  return typeof value === 'string' && (FIGURE_IDS as readonly string[]).includes(value);
}

/** Claims a figure checks; the rules are in harness/reproduce/claims.ts. */
export const CLAIM_KINDS = ['median-kept', 'gap-reduced', 'gap-reduction-up-to', 'resources-vs-replication', 'comparison-reported', 'degraded-accuracy-range', 'base-accuracy'] as const;
export type ClaimKind = (typeof CLAIM_KINDS)[number];

/** What a variant changes in the workload: measured seconds, warm-up seconds, sweep values (null: the workload's). */
export interface FigureVariant {
  readonly durationS: number | null;
  readonly warmupS: number | null;
  readonly values: readonly number[] | null;
  /** Expected wall time on this 2-core machine, for the progress line and ARTIFACT.md. */
  readonly expectedMinutes: number;
}

export interface LatencyFigure {
  readonly kind: 'latency';
  readonly id: FigureId | string;
  readonly title: string;
  /** What the paper's figure shows, and where its parameters come from. */
  readonly paper: string;
  /** A named workload (workloads/named/NAME.json) or a workload file path. */
  readonly workload: string;
  /** Systems to run (default: the workload's). ParM is compared with each of `against`. */
  readonly systems: readonly SystemName[] | null;
  readonly against: readonly SystemName[];
  /** Axis label for the swept parameter (or the single point's parameter). */
  readonly xLabel: string;
  readonly claims: readonly ClaimKind[];
  readonly full: FigureVariant;
  readonly quick: FigureVariant;
}

export interface AccuracyFigure {
  readonly kind: 'accuracy';
  readonly id: FigureId | string;
  readonly title: string;
  readonly paper: string;
  /** Workload whose model set is evaluated (npm run accuracy). */
  readonly workload: string;
  readonly claims: readonly ClaimKind[];
  readonly expectedMinutes: number;
}

export type FigureDefinition = LatencyFigure | AccuracyFigure;

const PAPER_HEADLINE = 'parm.md "Headline results": ParM reduces the p99.9 - median gap by up to 3.5x against equal resources while keeping the same median';

export const FIGURES: Readonly<Record<FigureId, FigureDefinition>> = {
  '9a': {
    kind: 'latency',
    id: '9a',
    title: 'Figure 9a: GPU instances, vary the query rate',
    paper: `parm.md "Latency experiments": 12 GPU instances + N/k, k = 2, Poisson 150-390 q/s, 4 concurrent shuffles; ${PAPER_HEADLINE}`,
    workload: 'fashion-sweep-rate',
    systems: null,
    against: ['equal-resources'],
    xLabel: 'query rate (q/s)',
    claims: ['median-kept', 'gap-reduced', 'gap-reduction-up-to', 'resources-vs-replication'],
    full: { durationS: null, warmupS: null, values: null, expectedMinutes: 15 },
    quick: { durationS: 35, warmupS: 3, values: [150, 270, 390], expectedMinutes: 6 },
  },
  '9b': {
    kind: 'latency',
    id: '9b',
    title: 'Figure 9b: CPU instances, vary the query rate',
    paper: `parm.md "Latency experiments": 24 CPU instances + N/k, k = 2, Poisson 120-240 q/s; ${PAPER_HEADLINE}`,
    workload: 'fashion-cpu-sweep-rate',
    systems: null,
    against: ['equal-resources'],
    xLabel: 'query rate (q/s)',
    claims: ['median-kept', 'gap-reduced', 'gap-reduction-up-to'],
    full: { durationS: null, warmupS: null, values: null, expectedMinutes: 17 },
    quick: { durationS: 45, warmupS: 3, values: [120, 180, 240], expectedMinutes: 8 },
  },
  '10': {
    kind: 'latency',
    id: '10',
    title: 'Figure 10: vary the coding-group size k',
    paper: 'parm.md "Latency experiments" (k = 2, 3, 4) and "Headline results": ParM uses 2-4x less additional resources than replication (k = 2..4)',
    workload: 'fashion-sweep-k',
    systems: null,
    against: ['equal-resources'],
    xLabel: 'k (queries per coding group)',
    claims: ['median-kept', 'gap-reduced', 'gap-reduction-up-to', 'resources-vs-replication'],
    full: { durationS: null, warmupS: null, values: null, expectedMinutes: 9 },
    quick: { durationS: 30, warmupS: 3, values: null, expectedMinutes: 5 },
  },
  '11': {
    kind: 'latency',
    id: '11',
    title: 'Figure 11: vary the number of concurrent background shuffles',
    paper: 'parm.md "Latency experiments": 2-5 concurrent shuffles in the load-imbalance sweep',
    workload: 'fashion-sweep-shuffles',
    systems: null,
    against: ['equal-resources'],
    xLabel: 'concurrent slowdown episodes (shuffles)',
    claims: ['median-kept', 'gap-reduced', 'gap-reduction-up-to'],
    full: { durationS: null, warmupS: null, values: null, expectedMinutes: 12 },
    quick: { durationS: 25, warmupS: 3, values: null, expectedMinutes: 6 },
  },
  '12': {
    kind: 'latency',
    id: '12',
    title: 'Figure 12: inference-heavy neighbours',
    paper: 'parm.md "Latency experiments": a second serving deployment co-located on some instances, driven at 28 q/s',
    workload: 'fashion-neighbour',
    systems: null,
    against: ['equal-resources'],
    xLabel: 'query rate (q/s)',
    claims: ['median-kept', 'gap-reduced', 'gap-reduction-up-to'],
    full: { durationS: null, warmupS: null, values: null, expectedMinutes: 3 },
    quick: { durationS: 30, warmupS: 3, values: null, expectedMinutes: 2 },
  },
  '13': {
    kind: 'latency',
    id: '13',
    title: 'Figure 13: ParM against approximate backup models',
    paper:
      'parm.md "Baselines": approximate backup = N + N/k cheap models, every query duplicated, first answer wins (the original artifact only simulated it). ' +
      'The reference gives no number for this figure, so its rows are reported, not judged.',
    workload: 'fashion-contention',
    systems: ['parm', 'approximate-backup', 'equal-resources'],
    against: ['approximate-backup', 'equal-resources'],
    xLabel: 'query rate (q/s)',
    claims: ['comparison-reported'],
    full: { durationS: null, warmupS: null, values: null, expectedMinutes: 4 },
    quick: { durationS: 30, warmupS: 3, values: null, expectedMinutes: 3 },
  },
  batching: {
    kind: 'latency',
    id: 'batching',
    title: 'Section 6.2.3: batch sizes 1, 2 and 4 at 300 q/s',
    paper: `parm.md "Latency experiments": batch size 1 (also 2 and 4 at 300 q/s); ${PAPER_HEADLINE}`,
    workload: 'fashion-sweep-batch',
    systems: null,
    against: ['equal-resources'],
    xLabel: 'batch size (queries per request)',
    claims: ['median-kept', 'gap-reduced', 'gap-reduction-up-to'],
    full: { durationS: null, warmupS: null, values: null, expectedMinutes: 9 },
    quick: { durationS: 30, warmupS: 3, values: null, expectedMinutes: 5 },
  },
  accuracy: {
    kind: 'accuracy',
    id: 'accuracy',
    title: 'Degraded-mode and overall accuracy (Fashion-MNIST, MLP)',
    paper:
      'parm.md "Headline results": learned codes reconstruct 64-98% of unavailable predictions (MNIST, Fashion-MNIST, CIFAR-10); the authors\' Fashion-MNIST base MLP reaches 89.5%',
    workload: 'fashion',
    claims: ['degraded-accuracy-range', 'base-accuracy'],
    expectedMinutes: 1,
  },
};

/** Checks a figure definition (the built-in ones in a test, a test's own before use); errors name the figure and field. */
export function assertFigureDefinition(def: FigureDefinition): void {
  const fail = (field: string, problem: string): never => {
    throw new Error(`figure ${JSON.stringify(def.id)}: ${field}: ${problem}`);
  };
  if (typeof def.title !== 'string' || def.title.length === 0) fail('title', 'must be a non-empty string');
  if (typeof def.paper !== 'string' || def.paper.length === 0) fail('paper', 'must say what the paper shows and where the parameters come from');
  if (typeof def.workload !== 'string' || def.workload.length === 0) fail('workload', 'must name a workload');
  if (!Array.isArray(def.claims) || def.claims.length === 0) fail('claims', 'must list at least one claim');
  def.claims.forEach((c, i) => {
    if (!(CLAIM_KINDS as readonly string[]).includes(c)) fail(`claims[${i}]`, `unknown claim ${JSON.stringify(c)} (known: ${CLAIM_KINDS.join(', ')})`);
  });
  const accuracyClaims: readonly ClaimKind[] = ['degraded-accuracy-range', 'base-accuracy'];
  if (def.kind === 'accuracy') {
    def.claims.forEach((c, i) => {
      if (!accuracyClaims.includes(c)) fail(`claims[${i}]`, `${c} needs latency measurements; an accuracy figure checks ${accuracyClaims.join(', ')}`);
    });
    return;
  }
  if (def.kind !== 'latency') fail('kind', 'must be "latency" or "accuracy"');
  def.claims.forEach((c, i) => {
    if (accuracyClaims.includes(c)) fail(`claims[${i}]`, `${c} is an accuracy claim; a latency figure checks the others`);
  });
  if (def.systems !== null) {
    if (!Array.isArray(def.systems) || def.systems.length === 0) fail('systems', 'must be null (the workload\'s) or a non-empty list');
    def.systems.forEach((s, i) => {
      if (!isSystemName(s)) fail(`systems[${i}]`, `unknown system ${JSON.stringify(s)}`);
    });
    if (!def.systems.includes('parm')) fail('systems', 'must include parm: every claim compares ParM with another system');
    for (const a of def.against) if (!def.systems.includes(a)) fail('against', `${a} is not among the systems run (${def.systems.join(', ')})`);
  }
  if (!Array.isArray(def.against) || def.against.length === 0) fail('against', 'must list the systems ParM is compared with');
  def.against.forEach((s, i) => {
    if (!isSystemName(s) || s === 'parm') fail(`against[${i}]`, `must be a system other than parm, got ${JSON.stringify(s)}`);
  });
  for (const [name, v] of [['full', def.full], ['quick', def.quick]] as const) {
    if (v.durationS !== null && !(Number.isFinite(v.durationS) && v.durationS > 0)) fail(`${name}.durationS`, `must be null or a positive number of seconds, got ${v.durationS}`);
    if (v.warmupS !== null && !(Number.isFinite(v.warmupS) && v.warmupS >= 0)) fail(`${name}.warmupS`, `must be null or a number of seconds >= 0, got ${v.warmupS}`);
    if (v.values !== null && (!Array.isArray(v.values) || v.values.length === 0 || !v.values.every((x) => Number.isFinite(x) && x > 0))) {
      fail(`${name}.values`, 'must be null (the workload\'s sweep values) or a non-empty list of positive numbers');
    }
    if (!(v.expectedMinutes > 0)) fail(`${name}.expectedMinutes`, 'must be a positive number');
  }
}

/** The figures `--figure` names: one, or every one for "all". Errors name the option and the choices. */
export function figuresFor(option: string): FigureDefinition[] {
  if (option === 'all') return FIGURE_IDS.map((id) => FIGURES[id]);
  if (!isFigureId(option)) throw new Error(`--figure: unknown figure "${option}": choose one of ${FIGURE_IDS.join(', ')}, or all`);
  return [FIGURES[option]];
}
