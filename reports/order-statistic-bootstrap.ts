import { SeededRandom } from '../harness/seeded-random.ts';
import { binomialVariate } from './random-variates.ts';

/**
 * The percentile bootstrap of large samples, computing per resample only the order statistics
 * that the percentiles need, in time independent of the sample size.
 *
 * The bootstrap's resample draws n queries with replacement: its counts (how often each query is
 * drawn) are Multinomial(n; 1/n, ..., 1/n). A linear-interpolated percentile of the resample
 * (percentileOfSorted) reads two order statistics of it, ranks floor and ceil of
 * (p / 100)(n - 1). Drawing n indices, counting them and walking the sorted values (the exact
 * method of bootstrapDistributions) costs O(n) a resample: 1,000 resamples of two systems of
 * 1.4 million queries took about 9 minutes a statistic. This method draws the same multinomial counts in
 * another order, and expands only the part of them that the order statistics depend on:
 *
 * 1. Each sample's sorted positions are cut into buckets: a window around every needed rank r,
 *    r +- (6 sd + 64) with sd = sqrt(n q (1 - q)), q = r / n (the spread of the resample's
 *    r-th order statistic over the original positions), and the coarse stretches between them.
 *    A cell is one bucket of each sample (paired: a query lies in the cell of its bucket in
 *    system A and its bucket in system B; at most 7 x 7 cells for three percentiles).
 * 2. Per resample the cells' counts are drawn as one Multinomial(n; |cell| / n) by sequential
 *    conditional binomials (exact samplers, reports/random-variates.ts): about 50 draws instead
 *    of n.
 * 3. For each needed rank the bucket holding it follows from the cumulative bucket totals. Only
 *    that bucket's cells are expanded: each cell's count is spread over its queries uniformly
 *    at random (given the cell totals, a multinomial's counts within a cell are exactly that),
 *    and the bucket is walked in sorted order to the rank. A cell expanded for system A is
 *    reused for system B in the same resample, so the joint draw stays the multinomial.
 *
 * The resample's counts therefore have exactly the multinomial distribution of the exact
 * method, jointly for all samples of a paired bootstrap, and the percentiles read off them are
 * the same functions of the counts: the bootstrap distribution is the same one, not an
 * approximation (the only differences are the Monte Carlo noise of other random draws and
 * floating-point rounding in the samplers). The number of resamples is unchanged (1,000 by
 * default). The windows only make it fast: a rank outside its window (probability about 2e-9
 * at 6 sd) lands in a coarse bucket, which is then expanded in full, at O(n) cost for that
 * resample (tens of ms) but with the same correct result. Cost per resample: about 50 binomial
 * draws plus the windows of the hit buckets (about 7,000 queries at p50 for 1.4 million, a few
 * hundred at p99.9), and O(n log n) once, to sort. Seeded like the exact method, but it
 * consumes the random stream differently, so for the same seed its numbers differ from the
 * exact method's within the Monte Carlo error; reports/gap-comparison.ts keeps the exact method
 * for samples up to EXACT_BOOTSTRAP_MAX_QUERIES, so existing small runs give the same numbers
 * as before. test/gap-comparison.test.ts checks the two methods' distributions against each
 * other (Kolmogorov-Smirnov) and their intervals on 200,000 queries.
 */

/** Window half-width around a needed rank, in standard deviations of the resample's order statistic. */
const WINDOW_SDS = 6;
/** ... plus this many positions, so that small samples and extreme ranks get a useful window. */
const WINDOW_SLACK = 64;

/** The fractional rank of the p-th percentile in n sorted values (percentileOfSorted's definition). */
export function percentileRank(n: number, p: number): number {
  return (p / 100) * (n - 1);
}

/**
 * The linear-interpolated percentile at fractional `rank` from the values at ranks floor(rank)
 * (`atLow`) and ceil(rank) (`atHigh`): the arithmetic of percentileOfSorted, so that both give
 * bit-identical values. Towards a non-finite neighbour (lost queries) it does not interpolate.
 */
export function interpolateAtRank(atLow: number, atHigh: number, rank: number): number {
  const lo = Math.floor(rank);
  if (lo === Math.ceil(rank) || !Number.isFinite(atHigh)) return atLow === atHigh ? atLow : atHigh;
  return atLow + (atHigh - atLow) * (rank - lo);
}

export interface OrderStatisticBootstrapOptions {
  readonly resamples: number;
  readonly seed: number;
  /** Every resample draws the same queries from every sample (samples aligned, same length). */
  readonly paired?: boolean;
  /** Window half-width in standard deviations (default 6); smaller only to test the fallback. */
  readonly windowSds?: number;
}

/**
 * Percentile bootstrap by order statistics (see above). `statistics` receives, per sample, the
 * percentiles `percentiles` of that sample's resample (in that order), and returns one value
 * per statistic; returns, per statistic, its sorted values over all resamples (as
 * bootstrapDistributions does).
 */
export function orderStatisticBootstrap(
  samples: readonly Float64Array[],
  percentiles: readonly number[],
  statistics: (percentiles: readonly Float64Array[]) => readonly number[],
  options: OrderStatisticBootstrapOptions,
): Float64Array[] {
  if (samples.some((s) => s.length === 0)) throw new Error('bootstrap: every sample needs at least one value');
  if (options.paired && samples.some((s) => s.length !== samples[0].length)) throw new Error('bootstrap: paired samples must have the same length');
  const random = new SeededRandom(options.seed);
  const windowSds = options.windowSds ?? WINDOW_SDS;
  const plans = options.paired ? [new ResamplePlan(samples, percentiles, windowSds)] : samples.map((s) => new ResamplePlan([s], percentiles, windowSds));
  const values = samples.map(() => new Float64Array(percentiles.length));
  const out: Float64Array[] = [];
  for (let i = 0; i < options.resamples; i++) {
    let k = 0;
    for (const plan of plans) {
      plan.resample(random);
      for (let d = 0; d < plan.dims; d++) plan.readPercentiles(d, values[k++]);
      plan.reset();
    }
    const stats = statistics(values);
    if (i === 0) for (let j = 0; j < stats.length; j++) out.push(new Float64Array(options.resamples));
    for (let j = 0; j < stats.length; j++) out[j][i] = stats[j];
  }
  for (const d of out) d.sort();
  return out;
}

/**
 * One bootstrap over `dims` samples that share the resampled query indices (one sample, or the
 * aligned samples of a paired bootstrap): the buckets, the cells and the per-resample state.
 */
class ResamplePlan {
  readonly dims: number;
  private readonly n: number;
  private readonly percentiles: readonly number[];
  /** Per sample: its values, sorted. */
  private readonly sorted: Float64Array[];
  /** Per sample: the query at each sorted position (null: the identity, a single sample). */
  private readonly order: (Uint32Array | null)[];
  /** Per sample: the first sorted position of each bucket, and n at the end. */
  private readonly bucketStart: Int32Array[];
  /** Per sample: the ranks the percentiles need, ascending, without repeats. */
  private readonly ranks: Int32Array[];
  /** Per sample and bucket: the cells whose queries lie in that bucket of that sample. */
  private readonly bucketCells: Int32Array[][];
  /** The queries of each cell: members[cellStart[c] .. cellStart[c + 1]). */
  private readonly cellStart: Int32Array;
  private readonly members: Uint32Array;
  /** Cells with at least one query, in a fixed order (the multinomial's categories). */
  private readonly occupied: Int32Array;
  /** This resample: draws per cell, draws per query (in expanded cells only), and which cells are expanded. */
  private readonly cellDraws: Int32Array;
  private readonly counts: Uint32Array;
  private readonly expanded: Uint8Array;
  private readonly expandedList: Int32Array;
  private expandedCount = 0;
  private readonly bucketTotals: Float64Array[];
  private random: SeededRandom | undefined;
  /** This resample: per sample, the value at each needed rank. */
  private readonly atRank: Float64Array[];

  constructor(samples: readonly Float64Array[], percentiles: readonly number[], windowSds: number) {
    this.dims = samples.length;
    const n = samples[0].length;
    this.n = n;
    this.percentiles = percentiles;
    this.order = samples.map((s) => (samples.length === 1 ? null : radixSortedOrder(s)));
    this.sorted = samples.map((s, d) => {
      const order = this.order[d];
      if (!order) return Float64Array.from(s).sort();
      const sorted = new Float64Array(n);
      for (let pos = 0; pos < n; pos++) sorted[pos] = s[order[pos]];
      return sorted;
    });
    const needed: number[] = [];
    for (const p of percentiles) {
      const rank = percentileRank(n, p);
      needed.push(Math.floor(rank), Math.ceil(rank));
    }
    const ranks = Int32Array.from(new Set(needed)).sort();
    this.ranks = samples.map(() => ranks);
    this.bucketStart = samples.map(() => bucketsAround(ranks, n, windowSds));
    // Cell of each query: its bucket in every sample, as one mixed-radix number.
    const radix = this.bucketStart.map((b) => b.length - 1);
    const cellCount = radix.reduce((x, y) => x * y, 1);
    const cellOf = new Int32Array(n);
    let stride = 1;
    for (let d = 0; d < this.dims; d++) {
      const starts = this.bucketStart[d];
      const order = this.order[d];
      for (let b = 0; b < radix[d]; b++) {
        for (let pos = starts[b]; pos < starts[b + 1]; pos++) cellOf[order ? order[pos] : pos] += b * stride;
      }
      stride *= radix[d];
    }
    const sizes = new Int32Array(cellCount);
    for (let j = 0; j < n; j++) sizes[cellOf[j]]++;
    this.cellStart = new Int32Array(cellCount + 1);
    for (let c = 0; c < cellCount; c++) this.cellStart[c + 1] = this.cellStart[c] + sizes[c];
    const fill = this.cellStart.slice(0, cellCount);
    this.members = new Uint32Array(n);
    for (let j = 0; j < n; j++) this.members[fill[cellOf[j]]++] = j;
    this.occupied = Int32Array.from(sizes.keys()).filter((c) => sizes[c] > 0);
    this.bucketCells = radix.map((buckets, d) => {
      const below = radix.slice(0, d).reduce((x, y) => x * y, 1);
      return Array.from({ length: buckets }, (_, b) => this.occupied.filter((c) => Math.floor(c / below) % buckets === b));
    });
    this.cellDraws = new Int32Array(cellCount);
    this.counts = new Uint32Array(n);
    this.expanded = new Uint8Array(cellCount);
    this.expandedList = new Int32Array(cellCount);
    this.bucketTotals = radix.map((buckets) => new Float64Array(buckets));
    this.atRank = samples.map(() => new Float64Array(ranks.length));
  }

  /** Draws one resample and finds, per sample, the values at the needed ranks. */
  resample(random: SeededRandom): void {
    this.random = random;
    // The cells' counts: Multinomial(n; |cell| / n) as sequential conditional binomials.
    let draws = this.n;
    let queries = this.n;
    const occupied = this.occupied;
    for (let i = 0; i < occupied.length; i++) {
      const c = occupied[i];
      const size = this.cellStart[c + 1] - this.cellStart[c];
      const k = i === occupied.length - 1 ? draws : binomialVariate(random, draws, size / queries);
      this.cellDraws[c] = k;
      draws -= k;
      queries -= size;
    }
    for (let d = 0; d < this.dims; d++) {
      const totals = this.bucketTotals[d];
      this.bucketCells[d].forEach((cells, b) => {
        let t = 0;
        for (const c of cells) t += this.cellDraws[c];
        totals[b] = t;
      });
      this.walk(d);
    }
  }

  /** Per sample: the needed ranks' values, walking the buckets that hold them in sorted order. */
  private walk(d: number): void {
    const starts = this.bucketStart[d];
    const totals = this.bucketTotals[d];
    const order = this.order[d];
    const sorted = this.sorted[d];
    const counts = this.counts;
    const ranks = this.ranks[d];
    const atRank = this.atRank[d];
    let bucket = 0;
    let beforeBucket = 0; // draws in the buckets below `bucket`
    let pos = starts[0];
    let before = 0; // draws at sorted positions below `pos`
    let ready = false; // the current bucket's cells are expanded
    for (let i = 0; i < ranks.length; i++) {
      const r = ranks[i];
      while (beforeBucket + totals[bucket] <= r) {
        beforeBucket += totals[bucket];
        bucket++;
        pos = starts[bucket];
        before = beforeBucket;
        ready = false;
      }
      if (!ready) {
        for (const c of this.bucketCells[d][bucket]) this.expand(c);
        ready = true;
      }
      for (;;) {
        const m = counts[order ? order[pos] : pos];
        if (before + m > r) break;
        before += m;
        pos++;
      }
      atRank[i] = sorted[pos];
    }
  }

  /** Spreads a cell's draws over its queries, uniformly at random (once per resample). */
  private expand(c: number): void {
    if (this.expanded[c]) return;
    this.expanded[c] = 1;
    this.expandedList[this.expandedCount++] = c;
    const start = this.cellStart[c];
    const size = this.cellStart[c + 1] - start;
    const random = this.random!;
    const members = this.members;
    const counts = this.counts;
    for (let k = this.cellDraws[c]; k > 0; k--) counts[members[start + random.nextInt(size)]]++;
  }

  /** The percentiles of sample d's resample, from the values at the needed ranks. */
  readPercentiles(d: number, into: Float64Array): void {
    const ranks = this.ranks[d];
    const atRank = this.atRank[d];
    const valueAt = (r: number): number => {
      let i = 0;
      while (ranks[i] !== r) i++;
      return atRank[i];
    };
    this.percentiles.forEach((p, j) => {
      const rank = percentileRank(this.n, p);
      into[j] = interpolateAtRank(valueAt(Math.floor(rank)), valueAt(Math.ceil(rank)), rank);
    });
  }

  /** Clears this resample's per-query counts (only the expanded cells have any). */
  reset(): void {
    for (let i = 0; i < this.expandedCount; i++) {
      const c = this.expandedList[i];
      for (let j = this.cellStart[c]; j < this.cellStart[c + 1]; j++) this.counts[this.members[j]] = 0;
      this.expanded[c] = 0;
    }
    this.expandedCount = 0;
  }
}

/** Bucket boundaries: windows around the ranks (merged where they overlap) and the stretches between. */
function bucketsAround(ranks: Int32Array, n: number, windowSds: number): Int32Array {
  const windows: [number, number][] = [];
  for (const r of ranks) {
    const q = (r + 0.5) / n;
    const half = Math.ceil(windowSds * Math.sqrt(n * q * (1 - q))) + WINDOW_SLACK;
    const from = Math.max(0, r - half);
    const to = Math.min(n, r + half + 1);
    const last = windows[windows.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else windows.push([from, to]);
  }
  const cuts = new Set<number>([0, n]);
  for (const [from, to] of windows) cuts.add(from).add(to);
  return Int32Array.from(cuts).sort();
}

/**
 * The indices of the values in ascending order (NaN last, -0 before 0, as
 * Float64Array.prototype.sort orders them; ties in index order): a stable LSD radix sort on the
 * values' IEEE 754 bits mapped to unsigned order (negative values: all bits flipped; others:
 * sign bit set), 16 bits a pass, carrying the keys. About a third of the time of a comparator
 * sort of a million indices.
 */
export function radixSortedOrder(values: Float64Array): Uint32Array {
  const n = values.length;
  const word = new Float64Array(1);
  const halves = new Uint32Array(word.buffer);
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const H = little ? 1 : 0;
  const L = 1 - H;
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  let idx = new Uint32Array(n);
  let hiTo = new Uint32Array(n);
  let loTo = new Uint32Array(n);
  let idxTo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const x = values[i];
    idx[i] = i;
    if (Number.isNaN(x)) {
      hi[i] = 0xffffffff;
      lo[i] = 0xffffffff;
      continue;
    }
    word[0] = x;
    const h = halves[H];
    const l = halves[L];
    if (h & 0x80000000) {
      hi[i] = ~h >>> 0;
      lo[i] = ~l >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = l;
    }
  }
  const count = new Uint32Array(65536);
  for (let pass = 0; pass < 4 && n > 0; pass++) {
    const key = pass < 2 ? lo : hi;
    const shift = (pass & 1) * 16;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(key[i] >>> shift) & 0xffff]++;
    if (count[(key[0] >>> shift) & 0xffff] === n) continue; // one digit value: nothing to reorder
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const j = count[(key[i] >>> shift) & 0xffff]++;
      hiTo[j] = hi[i];
      loTo[j] = lo[i];
      idxTo[j] = idx[i];
    }
    [hi, hiTo] = [hiTo, hi];
    [lo, loTo] = [loTo, lo];
    [idx, idxTo] = [idxTo, idx];
  }
  return idx;
}
