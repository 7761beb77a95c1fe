import { RealClock, type Clock, type TimerHandle } from '../clock.ts';
import type { Answer, AnswerPath, LostQuery, ServingSystem, SystemEvents } from '../../systems/serving-system.ts';
import type { MeasuredServingSystem } from '../../systems/system-stats.ts';
import type { ArrivalProcess } from './arrival-process.ts';
import { EventLoopDelayMonitor } from './event-loop-delay.ts';
import { LatencyHistogram, PERCENTILE_DEFINITION } from './latency-histogram.ts';
import { LOAD_RUN_SCHEMA, type LoadProgress, type LoadRunSummary, type PathFigures } from './load-run-summary.ts';
import { OpenQueryTable } from './open-query-table.ts';
import { QueryRecordFile } from './query-record-file.ts';
import { checkSampleSize, judgeRun } from './run-validity.ts';
import { ClockSendTimer, PRECISE_SEND_DEFAULTS, PreciseSendTimer, type PreciseSendTimerOptions, type SendTimer } from './send-timer.ts';

/** The input (and label, if any) of query i: the caller decides, e.g. dataset samples drawn with a seeded RNG. */
export type SampleSource = (index: number) => { readonly input: Float32Array; readonly label?: number };

/** Warm-up: the queries scheduled in the first `ms`, or the first `queries` queries. */
export type WarmupSpec = { readonly ms: number } | { readonly queries: number };

export interface LoadDriverOptions {
  readonly clock: Clock;
  readonly arrivals: ArrivalProcess;
  readonly samples: SampleSource;
  readonly warmup?: WarmupSpec;
  /** Measured window, ms of scheduled time after the warm-up. */
  readonly durationMs?: number;
  /** Measured queries (after the warm-up). With durationMs too, the first bound reached ends the sending. */
  readonly queries?: number;
  /** After the last send, how long to wait for answers; queries still open then are lost ("outstanding at end"). Default 10,000. */
  readonly drainTimeoutMs?: number;
  /** The run is invalid when the send lag p99 is over this. Default 2 ms. */
  readonly maxLagP99Ms?: number;
  /** The highest percentile the run must support (binomial sample-size rule). Default 99.9 (4,603 queries with none over the bound). */
  readonly claimedPercentile?: number;
  /** Latency bound, ms: queries over it (and lost ones) are counted for the sample-size rule. */
  readonly latencyBoundMs?: number;
  /** Per-query records (NDJSON), written as queries complete; see QueryRecordFile. */
  readonly recordsPath?: string;
  /** "precise": real-time sends (see PreciseSendTimer; needs a RealClock); "clock": the clock's own timers. Default: precise on a RealClock. */
  readonly scheduling?: 'precise' | 'clock';
  readonly preciseTimer?: PreciseSendTimerOptions;
  /** Measure event-loop delay (node:perf_hooks). Default: on for a RealClock (live runs). */
  readonly monitorEventLoop?: boolean;
  readonly onProgress?: (progress: LoadProgress) => void;
  /** Clock ms between progress calls. Default 1,000. */
  readonly progressIntervalMs?: number;
  /** An open-loop driver keeps sending however far the system falls behind: past this many open queries the run ends early (overloaded). Default 100,000. */
  readonly maxOutstanding?: number;
}

/** Sends per event-loop turn before yielding to answers (a late driver catches up in bursts of this size). */
const MAX_SENDS_PER_TURN = 256;
/** On a real clock the schedule starts this long after run() so that the first sends are not late by set-up. */
const LIVE_START_DELAY_MS = 5;

interface PathCounters {
  answers: number;
  labelled: number;
  correct: number;
  readonly latency: LatencyHistogram;
}

/**
 * The open-loop load driver (MLPerf LoadGen's Server scenario, wrk2's schedule): sends query i at
 * its scheduled time whatever the system is doing, never waiting for answers, and measures each
 * latency from the scheduled time, so a stalled system shows up in the tail instead of slowing
 * the sender (coordinated omission). Use:
 *
 *   const driver = new LoadDriver({ clock, arrivals, samples, warmup: { ms: 2000 }, durationMs: 60000, recordsPath });
 *   const system = createSystem('parm', { clock, instances, classes, events: driver.events, encoder });
 *   const summary = await driver.run(system);
 *
 * Every loop is bounded: sends by the duration / count bound (or a finite arrival process), each
 * event-loop turn by MAX_SENDS_PER_TURN, the end by drainTimeoutMs, open queries by maxOutstanding.
 */
export class LoadDriver {
  /** Give this to the system: it reports answers and losses here. */
  readonly events: SystemEvents;

  private readonly clock: Clock;
  private readonly arrivals: ArrivalProcess;
  private readonly samples: SampleSource;
  private readonly warmup: WarmupSpec | undefined;
  private readonly durationMs: number | undefined;
  private readonly queriesBound: number;
  private readonly drainTimeoutMs: number;
  private readonly maxLagP99Ms: number;
  private readonly claimedPercentile: number;
  private readonly latencyBoundMs: number | undefined;
  private readonly maxOutstanding: number;
  private readonly progressIntervalMs: number;
  private readonly scheduling: 'precise' | 'clock';
  private readonly sendTimer: SendTimer;
  private readonly preciseTimer: Required<PreciseSendTimerOptions> | undefined;
  private readonly eventLoop: EventLoopDelayMonitor | undefined;
  private readonly recordsPath: string | undefined;
  private readonly onProgress: ((p: LoadProgress) => void) | undefined;

  private phase: 'idle' | 'sending' | 'draining' | 'done' = 'idle';
  private system: ServingSystem | undefined;
  private iterator: Iterator<number, undefined> | undefined;
  private records: QueryRecordFile | undefined;
  /** sendDue bound once (the send timer is woken once per query). */
  private readonly sendDueNow = (): void => this.sendDue();
  private runStart = 0;
  private startedAt = '';
  /**
   * Scheduled time of the next query, NaN when the sending is over. Times are kept as plain numbers,
   * never undefined, in fields set once per query: a field that may hold undefined holds a number as
   * a new boxed object each time it is set.
   */
  private next = NaN;
  private nextWarmup = false;
  private lastScheduled = -Infinity;
  private windowStart: number | undefined;
  /** NaN until a measured query is sent. */
  private lastMeasuredScheduled = NaN;
  private nextIndex = 0;
  private endedEarly: string | null = null;
  private stopRequested: string | null = null;
  private drainTimer: TimerHandle | undefined;
  private progressTimer: TimerHandle | undefined;
  private resolve: ((s: LoadRunSummary) => void) | undefined;
  private reject: ((e: Error) => void) | undefined;

  /** Queries sent and not yet answered or lost, with their send times (ms from the run start). */
  private readonly open = new OpenQueryTable();
  private warmupSent = 0;
  private measuredSent = 0;
  private measuredAnswered = 0;
  private measuredLost = 0;
  private warmupAnswered = 0;
  private warmupLost = 0;
  private overBound = 0;
  private unexpectedEvents = 0;
  private readonly lostByReason: Record<string, number> = {};
  private readonly latency = new LatencyHistogram();
  private readonly latencyFromSubmit = new LatencyHistogram();
  private readonly warmupLatency = new LatencyHistogram();
  private readonly lag = new LatencyHistogram();
  private readonly byPath = new Map<AnswerPath, PathCounters>();

  constructor(options: LoadDriverOptions) {
    const o = options;
    this.clock = o.clock;
    this.arrivals = o.arrivals;
    this.samples = o.samples;
    if (o.warmup !== undefined) {
      const w = o.warmup as { ms?: unknown; queries?: unknown };
      const keys = Object.keys(w);
      if (keys.length !== 1 || !(('ms' in w && isNonNegative(w.ms)) || ('queries' in w && isCount(w.queries, true)))) {
        throw new RangeError(`load driver: warmup must be {"ms": <ms >= 0>} or {"queries": <integer >= 0>}, got ${JSON.stringify(o.warmup)}`);
      }
      this.warmup = o.warmup;
    }
    if (o.durationMs !== undefined && !(isNonNegative(o.durationMs) && o.durationMs > 0)) {
      throw new RangeError(`load driver: durationMs must be a positive number of ms, got ${JSON.stringify(o.durationMs)}`);
    }
    if (o.queries !== undefined && !isCount(o.queries, false)) {
      throw new RangeError(`load driver: queries must be a positive integer, got ${JSON.stringify(o.queries)}`);
    }
    if (o.durationMs === undefined && o.queries === undefined && !o.arrivals.finite) {
      throw new RangeError(
        `load driver: the arrival process "${o.arrivals.kind}" never ends: give durationMs (ms of measured time) or queries (measured queries)`,
      );
    }
    this.durationMs = o.durationMs;
    this.queriesBound = o.queries ?? Infinity;
    this.drainTimeoutMs = positive('drainTimeoutMs', o.drainTimeoutMs, 10_000);
    this.maxLagP99Ms = positive('maxLagP99Ms', o.maxLagP99Ms, 2);
    this.claimedPercentile = o.claimedPercentile ?? 99.9;
    if (!(this.claimedPercentile > 0 && this.claimedPercentile < 100)) {
      throw new RangeError(`load driver: claimedPercentile must be between 0 and 100 (e.g. 99.9), got ${JSON.stringify(o.claimedPercentile)}`);
    }
    this.latencyBoundMs = o.latencyBoundMs === undefined ? undefined : positive('latencyBoundMs', o.latencyBoundMs, 0);
    this.maxOutstanding = o.maxOutstanding ?? 100_000;
    if (!isCount(this.maxOutstanding, false)) throw new RangeError(`load driver: maxOutstanding must be a positive integer, got ${JSON.stringify(o.maxOutstanding)}`);
    this.progressIntervalMs = positive('progressIntervalMs', o.progressIntervalMs, 1000);
    this.scheduling = o.scheduling ?? (o.clock instanceof RealClock ? 'precise' : 'clock');
    if (this.scheduling === 'precise' && !(o.clock instanceof RealClock)) {
      throw new RangeError('load driver: scheduling "precise" needs a RealClock (it waits in real time); use scheduling "clock" with other clocks');
    }
    this.preciseTimer = this.scheduling === 'precise' ? { ...PRECISE_SEND_DEFAULTS, ...o.preciseTimer } : undefined;
    this.sendTimer = this.preciseTimer ? new PreciseSendTimer(() => this.clock.now(), this.preciseTimer) : new ClockSendTimer(o.clock);
    this.eventLoop = (o.monitorEventLoop ?? o.clock instanceof RealClock) ? new EventLoopDelayMonitor() : undefined;
    this.recordsPath = o.recordsPath;
    this.onProgress = o.onProgress;
    this.events = {
      answer: (a) => this.onAnswer(a),
      lost: (l) => this.onLost(l),
    };
  }

  /** Runs the load against `system` (built with this driver's `events`); resolves with the summary. Once per driver. */
  run(system: ServingSystem): Promise<LoadRunSummary> {
    if (this.phase !== 'idle' || this.system) return Promise.reject(new Error('load driver: run() can be called once per driver'));
    this.system = system;
    return new Promise<LoadRunSummary>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      try {
        this.records = this.recordsPath === undefined ? undefined : new QueryRecordFile(this.recordsPath);
        this.iterator = this.arrivals.times();
        this.startedAt = new Date().toISOString();
        this.runStart = this.clock.now() + (this.scheduling === 'precise' ? LIVE_START_DELAY_MS : 0);
        this.phase = 'sending';
        this.eventLoop?.start();
        if (this.onProgress) this.progressTimer = this.clock.setTimer(this.progressIntervalMs, () => this.progressTick());
        if (this.stopRequested !== null) {
          this.endEarly(this.stopRequested);
          return;
        }
        this.pullNext();
        this.scheduleNext();
      } catch (error) {
        this.fail(error as Error);
      }
    });
  }

  /**
   * Ends the run now (e.g. on Ctrl-C): no more sends; queries still open are counted lost
   * ("outstanding at stop"); the run is marked partial and run() resolves with what was measured.
   */
  stop(reason = 'stopped'): void {
    if (this.phase === 'idle') this.stopRequested = reason;
    else if (this.phase === 'sending' || this.phase === 'draining') this.endEarly(reason);
  }

  // ---- sending ---------------------------------------------------------------------------

  /** Pulls the next scheduled time; leaves `next` NaN when the sending is over. */
  private pullNext(): void {
    this.next = NaN;
    if (this.measuredSent >= this.queriesBound) return;
    const r = this.iterator!.next();
    if (r.done) return;
    const t = r.value;
    if (!Number.isFinite(t) || t < this.lastScheduled) {
      throw new Error(`arrival process "${this.arrivals.kind}" gave send time ${t} after ${this.lastScheduled}: times must be finite and non-decreasing`);
    }
    this.lastScheduled = t;
    const warmup = this.isWarmup(this.nextIndex, t);
    if (!warmup) {
      this.windowStart ??= this.warmup && 'ms' in this.warmup ? this.warmup.ms : t;
      if (this.durationMs !== undefined && t >= this.windowStart + this.durationMs) return;
    }
    this.next = t;
    this.nextWarmup = warmup;
  }

  private isWarmup(index: number, scheduled: number): boolean {
    if (!this.warmup) return false;
    return 'ms' in this.warmup ? scheduled < this.warmup.ms : index < this.warmup.queries;
  }

  private scheduleNext(): void {
    if (this.phase !== 'sending') return;
    if (Number.isNaN(this.next)) {
      this.beginDrain();
      return;
    }
    this.sendTimer.wakeAt(this.runStart + this.next, this.sendDueNow);
  }

  /** Sends every query now due (at most MAX_SENDS_PER_TURN, then yields), then waits for the next. */
  private sendDue(): void {
    try {
      let sent = 0;
      while (this.phase === 'sending' && this.runStart + this.next <= this.clock.now()) {
        if (sent === MAX_SENDS_PER_TURN) {
          this.sendTimer.wakeSoon(this.sendDueNow);
          return;
        }
        this.send(this.next, this.nextWarmup);
        sent++;
        if (this.phase === 'sending') this.pullNext();
      }
      this.scheduleNext();
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private send(scheduled: number, warmup: boolean): void {
    const id = this.nextIndex++;
    let sample: ReturnType<SampleSource>;
    try {
      sample = this.samples(id);
    } catch (error) {
      throw new Error(`load driver: the sample source failed for query ${id}: ${(error as Error).message}`, { cause: error });
    }
    const now = this.clock.now();
    const submitted = now - this.runStart;
    this.open.add(id, scheduled, submitted, sample.label, warmup);
    if (warmup) {
      this.warmupSent++;
    } else {
      this.measuredSent++;
      this.lastMeasuredScheduled = scheduled;
      this.lag.recordMs(submitted - scheduled);
    }
    this.system!.submit(sample.label === undefined ? { id, input: sample.input } : { id, input: sample.input, label: sample.label });
    if (this.open.size > this.maxOutstanding) {
      this.endEarly(`overloaded: more than ${this.maxOutstanding} queries open at once (the system cannot keep up with this rate)`);
    }
  }

  private beginDrain(): void {
    this.phase = 'draining';
    this.sendTimer.cancel();
    // Nothing more will come: a batch still waiting to fill goes out as it is.
    this.system?.flush?.();
    if (this.open.size === 0) {
      this.finish();
      return;
    }
    this.drainTimer = this.clock.setTimer(this.drainTimeoutMs, () => {
      this.drainTimer = undefined;
      this.finish();
    });
  }

  // ---- outcomes --------------------------------------------------------------------------

  private onAnswer(a: Answer): void {
    if (this.phase === 'idle' || this.phase === 'done') return;
    const open = this.open;
    const id = a.queryId;
    if (!open.isOpen(id)) {
      this.unexpectedEvents++;
      return;
    }
    const scheduled = open.scheduled(id);
    const submitted = open.submitted(id);
    const warmup = open.warmup(id);
    const label = open.label(id);
    open.close(id);
    const answered = a.answeredAt - this.runStart;
    const latencyMs = answered - scheduled;
    const fromSubmitMs = answered - submitted;
    if (warmup) {
      this.warmupAnswered++;
      this.warmupLatency.recordMs(latencyMs);
    } else {
      this.measuredAnswered++;
      this.latency.recordMs(latencyMs);
      this.latencyFromSubmit.recordMs(fromSubmitMs);
      if (this.latencyBoundMs !== undefined && latencyMs > this.latencyBoundMs) this.overBound++;
      const p = this.pathCounters(a.path);
      p.answers++;
      p.latency.recordMs(latencyMs);
      if (a.correct !== undefined) {
        p.labelled++;
        if (a.correct) p.correct++;
      }
    }
    this.records?.answer(
      id,
      warmup,
      ms3(scheduled),
      ms3(submitted),
      ms3(answered),
      Math.round(latencyMs * 1000),
      Math.round(fromSubmitMs * 1000),
      a.path,
      a.instance,
      a.prediction,
      label ?? null,
      a.correct ?? null,
    );
    if (this.phase === 'draining' && this.open.size === 0) this.finish();
  }

  private onLost(l: LostQuery): void {
    if (this.phase === 'idle' || this.phase === 'done') return;
    if (!this.open.isOpen(l.queryId)) {
      this.unexpectedEvents++;
      return;
    }
    this.recordLoss(l.queryId, l.lostAt - this.runStart, l.reason);
    this.open.close(l.queryId);
    if (this.phase === 'draining' && this.open.size === 0) this.finish();
  }

  /** Counts and records the loss of open query `id` (the caller closes it). */
  private recordLoss(id: number, lostAt: number, reason: string): void {
    const open = this.open;
    const warmup = open.warmup(id);
    this.lostByReason[reason] = (this.lostByReason[reason] ?? 0) + 1;
    if (warmup) {
      this.warmupLost++;
    } else {
      this.measuredLost++;
      if (this.latencyBoundMs !== undefined) this.overBound++;
    }
    this.records?.loss(id, warmup, ms3(open.scheduled(id)), ms3(open.submitted(id)), ms3(lostAt), reason, open.label(id) ?? null);
  }

  private pathCounters(path: AnswerPath): PathCounters {
    let p = this.byPath.get(path);
    if (!p) {
      p = { answers: 0, labelled: 0, correct: 0, latency: new LatencyHistogram() };
      this.byPath.set(path, p);
    }
    return p;
  }

  // ---- the end ---------------------------------------------------------------------------

  private endEarly(reason: string): void {
    this.endedEarly ??= reason;
    this.finish();
  }

  /** Ends the run: stops every timer and the monitor; false if it had already ended. */
  private teardown(): boolean {
    if (this.phase === 'done') return false;
    this.phase = 'done';
    this.sendTimer.cancel();
    if (this.drainTimer) this.clock.clearTimer(this.drainTimer);
    if (this.progressTimer) this.clock.clearTimer(this.progressTimer);
    this.eventLoop?.stop();
    return true;
  }

  private finish(): void {
    if (!this.teardown()) return;
    try {
      const end = this.clock.now() - this.runStart;
      const reason = this.endedEarly === null ? 'outstanding at end' : 'outstanding at stop';
      for (const id of this.open.openIds()) this.recordLoss(id, end, reason);
      this.open.clear();
      this.iterator?.return?.(undefined);
      const complete = this.endedEarly === null;
      const summary = this.summary(end, null);
      this.report('done');
      const records = this.records;
      if (!records) {
        this.resolve?.(summary);
        return;
      }
      // The summary is taken now; the run resolves once the records file is whole on disk.
      const count = records.count;
      records.finish(complete).then(
        (path) => this.resolve?.({ ...summary, records: { path, complete, count } }),
        (error: Error) => this.reject?.(error),
      );
    } catch (error) {
      this.records?.abort();
      this.reject?.(error as Error);
    }
  }

  private fail(error: Error): void {
    this.endedEarly ??= `error: ${error.message}`;
    if (this.teardown()) {
      try {
        this.iterator?.return?.(undefined);
      } catch {
        // The original error is the one to report.
      }
      const records = this.records;
      if (records) {
        // What was measured stays, under the partial name; the original error is the one to report.
        records.finish(false).then(
          () => this.reject?.(error),
          () => this.reject?.(error),
        );
        return;
      }
    }
    this.reject?.(error);
  }

  private summary(endMs: number, records: LoadRunSummary['records']): LoadRunSummary {
    const measured = this.measuredAnswered + this.measuredLost;
    const windowStart = this.windowStart ?? 0;
    let window: number;
    if (this.endedEarly === null && this.durationMs !== undefined && this.measuredSent < this.queriesBound) window = this.durationMs;
    else if (this.endedEarly !== null) window = Math.max(0, Math.min(endMs, windowStart + (this.durationMs ?? Infinity)) - windowStart);
    else window = Math.max(0, (Number.isNaN(this.lastMeasuredScheduled) ? windowStart : this.lastMeasuredScheduled) - windowStart);
    const sampleSize = checkSampleSize(this.claimedPercentile, measured, this.overBound, this.latencyBoundMs ?? null);
    const lag = this.lag.summary();
    const validity = judgeRun({
      measured,
      lost: this.measuredLost,
      lagP99Us: lag.p99Us,
      maxLagP99Ms: this.maxLagP99Ms,
      sampleSize,
      stoppedEarly: this.endedEarly,
      unexpectedEvents: this.unexpectedEvents,
    });
    const byPath: Partial<Record<AnswerPath, PathFigures>> = {};
    let labelled = 0;
    let correct = 0;
    for (const [path, p] of this.byPath) {
      byPath[path] = {
        answers: p.answers,
        labelled: p.labelled,
        correct: p.correct,
        accuracy: p.labelled > 0 ? p.correct / p.labelled : null,
        latencyFromScheduled: p.latency.summary(),
      };
      labelled += p.labelled;
      correct += p.correct;
    }
    const system = this.system as Partial<MeasuredServingSystem> | undefined;
    return {
      schema: LOAD_RUN_SCHEMA,
      system: this.system?.name ?? '',
      arrivals: this.arrivals.description,
      settings: {
        warmup: this.warmup ?? null,
        durationMs: this.durationMs ?? null,
        queries: Number.isFinite(this.queriesBound) ? this.queriesBound : null,
        drainTimeoutMs: this.drainTimeoutMs,
        maxLagP99Ms: this.maxLagP99Ms,
        claimedPercentile: this.claimedPercentile,
        latencyBoundMs: this.latencyBoundMs ?? null,
        scheduling: this.scheduling,
        preciseTimer: this.preciseTimer ?? null,
        eventLoopMonitor: this.eventLoop !== undefined,
        maxOutstanding: this.maxOutstanding,
      },
      partial: this.endedEarly !== null,
      endedEarly: this.endedEarly,
      validity,
      startedAt: this.startedAt,
      elapsedMs: ms3(endMs),
      measuredWindowMs: ms3(window),
      offeredRatePerS: window > 0 ? Number(((this.measuredSent * 1000) / window).toFixed(3)) : 0,
      queries: {
        submitted: this.warmupSent + this.measuredSent,
        warmup: this.warmupSent,
        measured,
        answered: this.measuredAnswered,
        lost: this.measuredLost,
        lostByReason: { ...this.lostByReason },
        unexpectedEvents: this.unexpectedEvents,
      },
      latencyFromScheduled: this.latency.summary(),
      latencyFromSubmit: this.latencyFromSubmit.summary(),
      byPath,
      accuracy: { labelled, correct, accuracy: labelled > 0 ? correct / labelled : null },
      warmup: { answered: this.warmupAnswered, lost: this.warmupLost, latencyFromScheduled: this.warmupLatency.summary() },
      lag: { count: lag.count, meanUs: lag.meanUs, p50Us: lag.p50Us, p99Us: lag.p99Us, maxUs: lag.maxUs },
      eventLoopDelay: this.eventLoop?.summary() ?? null,
      sampleSize,
      percentileDefinition: PERCENTILE_DEFINITION,
      records,
      systemStats: typeof system?.stats === 'function' ? system.stats() : null,
    };
  }

  // ---- progress --------------------------------------------------------------------------

  private progressTick(): void {
    this.progressTimer = undefined;
    if (this.phase === 'done') return;
    this.report(this.phase === 'draining' ? 'draining' : this.nextWarmup ? 'warm-up' : 'measuring');
    this.progressTimer = this.clock.setTimer(this.progressIntervalMs, () => this.progressTick());
  }

  private report(phase: LoadProgress['phase']): void {
    if (!this.onProgress) return;
    this.onProgress({
      phase,
      elapsedMs: ms3(this.clock.now() - this.runStart),
      plannedMs: this.plannedMs(),
      submitted: this.warmupSent + this.measuredSent,
      measuredSubmitted: this.measuredSent,
      plannedQueries: Number.isFinite(this.queriesBound) ? this.queriesBound : null,
      answered: this.warmupAnswered + this.measuredAnswered,
      lost: this.warmupLost + this.measuredLost,
      outstanding: this.open.size,
      lagP99Us: this.lag.percentileUs(99),
    });
  }

  /** Expected length of the sending part: exact for time bounds, estimated from the mean rate for counts. */
  private plannedMs(): number | null {
    const rate = this.arrivals.meanRatePerS;
    const perQueryMs = rate > 0 ? 1000 / rate : NaN;
    const warm = !this.warmup ? 0 : 'ms' in this.warmup ? this.warmup.ms : this.warmup.queries * perQueryMs;
    const countMs = Number.isFinite(this.queriesBound) ? this.queriesBound * perQueryMs : Infinity;
    const measuredMs = Math.min(this.durationMs ?? Infinity, countMs);
    const total = warm + measuredMs;
    return Number.isFinite(total) ? Math.round(total) : null;
  }
}

function ms3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function isNonNegative(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

function isCount(v: unknown, zeroOk: boolean): v is number {
  return typeof v === 'number' && Number.isInteger(v) && (zeroOk ? v >= 0 : v > 0);
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
    throw new RangeError(`load driver: ${name} must be a positive number, got ${JSON.stringify(value)}`);
  }
  return value;
}
