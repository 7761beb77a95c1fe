import { generateContentionSchedule } from '../contention/contention-schedule.ts';
import { parseContentionSpec } from '../contention/contention-spec.ts';
import { PoissonArrivals } from '../load/poisson-arrivals.ts';
import type { LoadDriver } from '../load/load-driver.ts';
import type { LoadRunSummary } from '../load/load-run-summary.ts';
import { SeededRandom } from '../seeded-random.ts';
import { instancesNeeded } from '../bench/system-instances.ts';
import { simulateSystem } from './simulate-system.ts';

/**
 * The scale map: where ParM beats Equal-Resources and replication, and where it loses, at scales
 * one machine cannot run live. Each point is three simulated runs (ParM, Equal-Resources,
 * replication: the same systems, driver and contention code as a live run, in virtual time) on
 * the same seeded arrivals and contention schedule, at one combination of deployed instances N,
 * coding-group size k, offered load, slowdown factor and crash rate.
 *
 * The grid is one factor at a time around a base point (default), or the whole product of the
 * lists (full). The base point is (N 120, k 2, load 0.7, factor 3, no crashes); a factor whose
 * list lacks its base value takes the listed value nearest to it. A point whose k does not divide
 * N is skipped (ParM's coding groups must fill the N deployed instances).
 *
 * Model (fashion-contention's, scaled): lognormal service times, median 20 ms, sigma 0.05; Poisson
 * arrivals at `load` x the N deployed instances' capacity (N x 1000 / 20 q/s); shuffle-like
 * slowdown episodes (128-256 MB at 125 MB/s, times `factor`), 4 concurrent per 18 machines;
 * crashes of `crashRate` x the machines (distinct, seeded, at random times in the measured
 * window). Each point measures about `queries` queries per system after a 1 s warm-up. The
 * point's seeds derive from the map seed and the point's coordinates only, so a point gives the
 * same figures in any grid.
 */

export type ScaleFactor = 'n' | 'k' | 'load' | 'factor' | 'crashRate';

export const SCALE_FACTORS: readonly ScaleFactor[] = ['n', 'k', 'load', 'factor', 'crashRate'];

/** How each factor is named on the command line, in tables and on chart axes. */
export const SCALE_FACTOR_NAMES: Record<ScaleFactor, { readonly option: string; readonly label: string; readonly axis: string }> = {
  n: { option: '--ns', label: 'N', axis: 'N, deployed instances (log)' },
  k: { option: '--ks', label: 'k', axis: 'k, coding-group size' },
  load: { option: '--loads', label: 'load', axis: "offered load, fraction of the N deployed instances' capacity" },
  factor: { option: '--factors', label: 'slowdown factor', axis: 'slowdown factor of the contention episodes (1: none)' },
  crashRate: { option: '--crash-rates', label: 'crash rate', axis: 'machines crashed during the run, %' },
};

export interface ScaleCoordinates {
  readonly n: number;
  readonly k: number;
  readonly load: number;
  readonly factor: number;
  readonly crashRate: number;
}

export type ScaleGrid = { readonly [F in ScaleFactor]: readonly number[] };

export const DEFAULT_SCALE_GRID: ScaleGrid = {
  n: [12, 120, 840],
  k: [2, 3, 4, 5, 6, 8, 10],
  load: [0.5, 0.7, 0.85],
  factor: [1, 2, 3, 5],
  crashRate: [0, 0.01, 0.05],
};

export const SCALE_BASE: ScaleCoordinates = { n: 120, k: 2, load: 0.7, factor: 3, crashRate: 0 };

export interface ScaleMapSettings {
  /** Measured queries per system and point (the duration is scaled to the rate). */
  readonly queries: number;
  readonly seed: number;
  /** The whole product of the lists instead of one factor at a time around the base point. */
  readonly full: boolean;
  readonly grid: ScaleGrid;
}

export interface ScalePoint extends ScaleCoordinates {
  /** "N=120 k=2 load=0.7 factor=3 crash=0" */
  readonly id: string;
  /** The factors whose chart this point is on: every other factor is at its base value. */
  readonly onBaseLineOf: readonly ScaleFactor[];
}

export interface ScaleMapPlan {
  readonly base: ScaleCoordinates;
  readonly points: readonly ScalePoint[];
  /** Combinations left out, with why. */
  readonly skipped: readonly { readonly id: string; readonly reason: string }[];
}

export const SCALE_SYSTEMS = ['parm', 'equal-resources', 'replication'] as const;
export type ScaleSystem = (typeof SCALE_SYSTEMS)[number];
export const SCALE_OTHERS = ['equal-resources', 'replication'] as const;
export type ScaleOther = (typeof SCALE_OTHERS)[number];

export const MEDIAN_SERVICE_MS = 20;
export const WARMUP_MS = 1000;
/** Gap ratios within 1 ± TIE_MARGIN are ties. */
export const TIE_MARGIN = 0.05;

export function pointId(c: ScaleCoordinates): string {
  return `N=${c.n} k=${c.k} load=${c.load} factor=${c.factor} crash=${c.crashRate}`;
}

/** The base value of each factor: SCALE_BASE's when listed, else the listed value nearest to it (the smaller on a tie). */
export function scaleBase(grid: ScaleGrid): ScaleCoordinates {
  const pick = (f: ScaleFactor): number => {
    const want = SCALE_BASE[f];
    return [...grid[f]].sort((a, b) => Math.abs(a - want) - Math.abs(b - want) || a - b)[0];
  };
  return { n: pick('n'), k: pick('k'), load: pick('load'), factor: pick('factor'), crashRate: pick('crashRate') };
}

/** The points to run, in order: the base point first, then one factor at a time (or the whole product with `full`). */
export function planScaleMap(settings: Pick<ScaleMapSettings, 'full' | 'grid'>): ScaleMapPlan {
  const grid = settings.grid;
  const base = scaleBase(grid);
  const points: ScalePoint[] = [];
  const skipped: { id: string; reason: string }[] = [];
  const seen = new Set<string>();
  const add = (c: ScaleCoordinates): void => {
    const id = pointId(c);
    if (seen.has(id)) return;
    seen.add(id);
    if (c.n % c.k !== 0) {
      skipped.push({ id, reason: `k = ${c.k} does not divide N = ${c.n}` });
      return;
    }
    const onBaseLineOf = SCALE_FACTORS.filter((f) => SCALE_FACTORS.every((g) => g === f || c[g] === base[g]));
    points.push({ id, ...c, onBaseLineOf });
  };
  add(base);
  if (settings.full) {
    for (const n of grid.n) for (const k of grid.k) for (const load of grid.load) for (const factor of grid.factor) for (const crashRate of grid.crashRate) add({ n, k, load, factor, crashRate });
  } else {
    for (const f of SCALE_FACTORS) for (const v of grid[f]) add({ ...base, [f]: v });
  }
  return { base, points, skipped };
}

export interface ScaleSystemFigures {
  /** Instances the system runs on (ParM: N deployed + N/k parity). */
  readonly instances: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p99_9Ms: number;
  /** p99.9 - p50. */
  readonly gapMs: number;
  readonly measured: number;
  readonly answered: number;
  readonly lost: number;
}

export type ScaleVerdict = 'wins' | 'tie' | 'loses' | 'loses (more lost)' | 'n/a';

export interface ScaleComparison {
  readonly against: ScaleOther;
  /** ParM p50 / other p50 (null when the other's is 0). */
  readonly medianRatio: number | null;
  /** ParM (p99.9 - p50) / other (p99.9 - p50) (null when the other's gap is 0). */
  readonly gapRatio: number | null;
  readonly verdict: ScaleVerdict;
}

export interface ScalePointResult extends ScalePoint {
  /** Machines the contention schedule numbers (N + N/k). */
  readonly machines: number;
  readonly ratePerS: number;
  readonly durationMs: number;
  readonly crashedMachines: number;
  readonly slowdownEpisodesConcurrent: number;
  readonly systems: Record<ScaleSystem, ScaleSystemFigures>;
  readonly comparisons: readonly ScaleComparison[];
  /** Wall seconds this point took. */
  readonly wallSeconds: number;
}

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

function figures(system: ScaleSystem, p: ScaleCoordinates, s: LoadRunSummary): ScaleSystemFigures {
  const l = s.latencyFromScheduled;
  const need = instancesNeeded(system, p.n, p.k);
  return {
    instances: need.deployed + need.parity + need.backup,
    p50Ms: l.p50Us / 1000,
    p99Ms: l.p99Us / 1000,
    p99_9Ms: l.p99_9Us / 1000,
    gapMs: (l.p99_9Us - l.p50Us) / 1000,
    measured: s.queries.measured,
    answered: s.queries.answered,
    lost: s.queries.lost,
  };
}

/** ParM against one other system: "wins" when its gap ratio is below 1 - TIE_MARGIN and it loses no more queries. */
export function compareToParm(parm: ScaleSystemFigures, other: ScaleSystemFigures, against: ScaleOther): ScaleComparison {
  const medianRatio = other.p50Ms > 0 ? round(parm.p50Ms / other.p50Ms, 4) : null;
  const gapRatio = other.gapMs > 0 ? round(parm.gapMs / other.gapMs, 4) : null;
  let verdict: ScaleVerdict;
  if (parm.lost > other.lost) verdict = 'loses (more lost)';
  else if (gapRatio === null) verdict = 'n/a';
  else verdict = gapRatio < 1 - TIE_MARGIN ? 'wins' : gapRatio <= 1 + TIE_MARGIN ? 'tie' : 'loses';
  return { against, medianRatio, gapRatio, verdict };
}

/** FNV-1a of a string: the point's own seed part. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

export interface RunScalePointHooks {
  /** The load driver of the run in progress (undefined between runs): Ctrl-C stops it. */
  readonly onDriver?: (driver: LoadDriver | undefined) => void;
  /** Asked before each system's run: true drops the point (ScaleMapStopped). */
  readonly stopped?: () => boolean;
}

const INPUT = new Float32Array(784);
const SAMPLE = { input: INPUT };

/** Runs one point: ParM, Equal-Resources and replication on the same arrivals and contention schedule. */
export async function runScalePoint(point: ScalePoint, settings: Pick<ScaleMapSettings, 'queries' | 'seed'>, hooks: RunScalePointHooks = {}): Promise<ScalePointResult> {
  const started = Date.now();
  const machines = point.n + point.n / point.k;
  const ratePerS = (point.load * point.n * 1000) / MEDIAN_SERVICE_MS;
  const durationMs = Math.max(1000, Math.ceil((settings.queries / ratePerS) * 1000));
  const horizonMs = WARMUP_MS + durationMs;
  const random = new SeededRandom((hashString(point.id) ^ Math.imul(settings.seed, 0x9e3779b1)) >>> 0);
  const crashedMachines = Math.round(point.crashRate * machines);
  const victims = random.permutation(machines).subarray(0, crashedMachines);
  const concurrent = Math.max(1, Math.round((4 * machines) / 18));
  const spec = parseContentionSpec({
    ...(point.factor > 1
      ? { slowdowns: { concurrent, transferMB: [128, 256], bandwidthMBps: 125, factor: point.factor, reason: 'fashion-contention scaled: 4 per 18 machines' } }
      : {}),
    crashes: [...victims].map((machine) => ({ machine, atMs: Math.round(WARMUP_MS + random.next() * durationMs) })),
  });
  const schedule = generateContentionSchedule(spec, { seed: random.nextUint32(), machines, horizonMs });
  const arrivalSeed = random.nextUint32();
  const instanceSeed = random.nextUint32();
  const systems = {} as Record<ScaleSystem, ScaleSystemFigures>;
  for (const system of SCALE_SYSTEMS) {
    if (hooks.stopped?.()) throw new ScaleMapStopped(`stopped before ${system} at ${point.id}`);
    const run = await simulateSystem({
      system,
      n: point.n,
      k: point.k,
      encoder: 'addition',
      sampleShape: { channels: 1, height: 28, width: 28 },
      classes: 10,
      serviceTime: { kind: 'lognormal', medianMs: MEDIAN_SERVICE_MS, sigma: 0.05 },
      instanceSeed,
      arrivals: new PoissonArrivals(ratePerS, arrivalSeed),
      samples: () => SAMPLE,
      warmupMs: WARMUP_MS,
      durationMs,
      drainTimeoutMs: 10_000,
      schedule,
      machines,
      neighbourInput: INPUT,
      ...(hooks.onDriver ? { onDriver: hooks.onDriver } : {}),
    });
    if (run.summary.partial) throw new ScaleMapStopped(`${system} at ${point.id} ended early: ${run.summary.endedEarly ?? 'partial'}`);
    systems[system] = figures(system, point, run.summary);
  }
  return {
    ...point,
    machines,
    ratePerS,
    durationMs,
    crashedMachines,
    slowdownEpisodesConcurrent: point.factor > 1 ? concurrent : 0,
    systems,
    comparisons: SCALE_OTHERS.map((other) => compareToParm(systems.parm, systems[other], other)),
    wallSeconds: round((Date.now() - started) / 1000, 2),
  };
}

/** A point's run ended early (stopped, or the driver gave up): its figures are not kept. */
export class ScaleMapStopped extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScaleMapStopped';
  }
}
