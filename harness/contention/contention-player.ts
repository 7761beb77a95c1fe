import type { Clock, TimerHandle } from '../clock.ts';
import type { ContentionEvent, ContentionSchedule } from './contention-schedule.ts';
import type { ContentionTarget, TargetResult } from './contention-target.ts';

/** What the player did, for the results: target actions applied, skipped (no instance there) and failed. */
export interface ContentionPlayback {
  readonly applied: number;
  /** Actions on machines where this system has no (live) instance. */
  readonly skipped: number;
  readonly failed: number;
  /** The first few failures (the rest are counted). */
  readonly errors: readonly { readonly atMs: number; readonly kind: string; readonly error: string }[];
  /** Largest lateness of an event against its scheduled time, ms (timers fire late on a busy machine). */
  readonly maxLatenessMs: number;
}

const MAX_ERRORS_KEPT = 20;

/**
 * Replays a contention schedule against a target on a clock: each event at its time from start().
 * One timer at a time (memory does not grow with the schedule). Overlapping slowdown episodes on a
 * machine apply the largest of their factors; when the last one ends, the factor goes back to 1.
 * stop() undoes whatever is in force (slowdowns to 1, paused machines resumed, neighbour streams
 * and CPU hogs stopped; crashed machines stay crashed unless a restart event came) so that the next
 * system starts clean.
 */
export class ContentionPlayer {
  private index = 0;
  private startMs = 0;
  private timer: TimerHandle | undefined;
  private running = false;
  private stopped = false;
  private applied = 0;
  private skipped = 0;
  private failed = 0;
  private maxLatenessMs = 0;
  private readonly errors: { atMs: number; kind: string; error: string }[] = [];
  /** Active slowdown episodes per machine: episode -> factor. */
  private readonly episodes = new Map<number, Map<number, number>>();
  private readonly paused = new Set<number>();
  private readonly neighbours = new Set<number>();
  private hogOn = false;
  private readonly pendingCalls = new Set<Promise<void>>();

  constructor(
    private readonly clock: Clock,
    private readonly schedule: ContentionSchedule,
    private readonly target: ContentionTarget,
  ) {}

  /** Starts the replay: event times count from now. Once per player. */
  start(): void {
    if (this.running || this.stopped) throw new Error('contention player: start() can be called once');
    this.running = true;
    this.startMs = this.clock.now();
    this.armNext();
  }

  /** Stops the replay and undoes what is in force; resolves when the target has done so. Idempotent. */
  async stop(): Promise<ContentionPlayback> {
    if (!this.stopped) {
      this.stopped = true;
      this.running = false;
      if (this.timer) this.clock.clearTimer(this.timer);
      this.timer = undefined;
      const now = this.elapsed();
      for (const machine of this.episodes.keys()) this.call(now, 'reset slowdown', () => this.target.setSlowdown(machine, 1));
      this.episodes.clear();
      for (const machine of this.paused) this.call(now, 'reset pause', () => this.target.resume(machine));
      this.paused.clear();
      for (const machine of this.neighbours) this.call(now, 'reset neighbour', () => this.target.stopNeighbour(machine));
      this.neighbours.clear();
      if (this.hogOn) this.call(now, 'reset cpu hog', () => this.target.stopCpuHog());
      this.hogOn = false;
    }
    while (this.pendingCalls.size > 0) await Promise.all([...this.pendingCalls]);
    return this.playback();
  }

  playback(): ContentionPlayback {
    return { applied: this.applied, skipped: this.skipped, failed: this.failed, errors: [...this.errors], maxLatenessMs: Math.round(this.maxLatenessMs * 1000) / 1000 };
  }

  private elapsed(): number {
    return this.clock.now() - this.startMs;
  }

  private armNext(): void {
    if (!this.running) return;
    const next = this.schedule.events[this.index];
    if (next === undefined) return;
    this.timer = this.clock.setTimer(this.startMs + next.atMs - this.clock.now(), () => {
      this.timer = undefined;
      this.applyDue();
    });
  }

  private applyDue(): void {
    const now = this.elapsed();
    for (;;) {
      const e = this.schedule.events[this.index];
      if (!this.running || e === undefined || e.atMs > now) break;
      this.index++;
      this.maxLatenessMs = Math.max(this.maxLatenessMs, now - e.atMs);
      this.apply(e);
    }
    this.armNext();
  }

  private apply(e: ContentionEvent): void {
    const t = this.target;
    switch (e.kind) {
      case 'slowdown-start':
        for (const m of e.machines) {
          let active = this.episodes.get(m);
          if (!active) this.episodes.set(m, (active = new Map()));
          active.set(e.episode, e.factor);
          const factor = Math.max(...active.values());
          this.call(e.atMs, e.kind, () => t.setSlowdown(m, factor));
        }
        break;
      case 'slowdown-end':
        for (const m of e.machines) {
          const active = this.episodes.get(m);
          active?.delete(e.episode);
          const factor = active && active.size > 0 ? Math.max(...active.values()) : 1;
          if (active && active.size === 0) this.episodes.delete(m);
          this.call(e.atMs, e.kind, () => t.setSlowdown(m, factor));
        }
        break;
      case 'pause':
        this.paused.add(e.machine);
        this.call(e.atMs, e.kind, () => t.pause(e.machine));
        break;
      case 'resume':
        if (!this.paused.delete(e.machine)) break;
        this.call(e.atMs, e.kind, () => t.resume(e.machine));
        break;
      case 'crash':
        this.paused.delete(e.machine);
        this.episodes.delete(e.machine);
        this.neighbours.delete(e.machine);
        this.call(e.atMs, e.kind, () => t.crash(e.machine));
        break;
      case 'restart':
        this.call(e.atMs, e.kind, () => (t.restart ? t.restart(e.machine) : false));
        break;
      case 'neighbour-start':
        e.machines.forEach((m, i) => {
          this.neighbours.add(m);
          // One stream per machine, each with its own seed derived from the event's.
          this.call(e.atMs, e.kind, () => t.startNeighbour(m, e.rate, (e.seed + i * 0x9e3779b9) >>> 0));
        });
        break;
      case 'neighbour-stop':
        for (const m of e.machines) {
          if (this.neighbours.delete(m)) this.call(e.atMs, e.kind, () => t.stopNeighbour(m));
        }
        break;
      case 'cpu-hog-start':
        this.hogOn = true;
        this.call(e.atMs, e.kind, () => t.startCpuHog(e.processes));
        break;
      case 'cpu-hog-stop':
        if (!this.hogOn) break;
        this.hogOn = false;
        this.call(e.atMs, e.kind, () => t.stopCpuHog());
        break;
    }
  }

  /** Calls the target, counting the outcome; never throws. */
  private call(atMs: number, kind: string, fn: () => TargetResult): void {
    const fail = (error: unknown): void => {
      this.failed++;
      if (this.errors.length < MAX_ERRORS_KEPT) this.errors.push({ atMs, kind, error: (error as Error)?.message ?? String(error) });
    };
    const count = (r: void | boolean): void => {
      if (r === false) this.skipped++;
      else this.applied++;
    };
    let result: TargetResult;
    try {
      result = fn();
    } catch (error) {
      fail(error);
      return;
    }
    if (result instanceof Promise) {
      const p: Promise<void> = result.then(count, fail);
      this.pendingCalls.add(p);
      void p.finally(() => this.pendingCalls.delete(p));
    } else {
      count(result);
    }
  }
}
