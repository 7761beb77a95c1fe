import type { Clock, ReusableTimer } from '../clock.ts';
import type { InferenceHandle, InferenceOutcome, Instance, InstanceRole } from '../../systems/instance.ts';
import type { ServiceTimeSource } from './empirical-service-times.ts';

/** The instance server's default queue limit (requests waiting, the one in service not counted). */
export const SIM_DEFAULT_MAX_QUEUE = 1024;

/** Counters of one simulated instance. */
export interface SimulatedInstanceStats {
  readonly served: number;
  readonly cancelled: number;
  readonly refused: number;
  readonly failedByCrash: number;
  /** Virtual ms spent serving (from start of service to completion). */
  readonly busyMs: number;
}

/** One inference sent to a simulated instance; it is also the caller's handle. */
class SimJob implements InferenceHandle {
  cancelled = false;
  /** Waiting in the instance's queue (not yet in service). */
  queued = false;
  /** The callback has been called (or the answer discarded): cancel() does nothing any more. */
  finished = false;
  constructor(
    readonly batch: number,
    readonly done: (outcome: InferenceOutcome) => void,
    readonly owner: SimulatedInstance,
  ) {}

  cancel(): void {
    if (this.cancelled || this.finished) return;
    this.cancelled = true;
    this.owner.onCancel(this);
  }
}

/**
 * A model instance in virtual time, standing for one emulated GPU node the way the instance
 * server (harness/instance-server/inference-queue.ts) and its process behave:
 *
 * - FIFO, one inference at a time. A request taken into service at time t is answered at
 *   t + (a service time drawn from the profile) x (the slowdown factor in force at t).
 * - pause (SIGSTOP): nothing starts and nothing is answered while paused. An inference whose
 *   answer falls due during the pause is answered at the resume (the live server's release time
 *   is absolute, so a stopped process answers as soon as it runs again); requests sent meanwhile
 *   wait in the queue.
 * - crash (SIGKILL): the instance is gone for good; the inference in service and every queued one
 *   fail at once with instanceDown (as when the connection to a killed process closes), and later
 *   requests fail with instanceDown too.
 * - cancel: a queued request is dropped (its callback is not called); one in service runs on and
 *   its answer is discarded, as in the live server.
 * - more than maxQueue requests waiting: the request is refused (an error, not instanceDown).
 *
 * There is no model: an answer carries zeros (outputSize values per sample). Simulated runs measure
 * latency only, not accuracy. Callbacks are never called synchronously from infer().
 */
export class SimulatedInstance implements Instance {
  /** Only the input's length is checked: there is no model to read the values. */
  readonly readsInputValues = false;
  private readonly queue: (SimJob | undefined)[] = [];
  private head = 0;
  private waiting = 0;
  private current: SimJob | undefined;
  private currentStart = 0;
  /** Fires when the inference in service is done (one timer, set again for each inference). */
  private readonly completion: ReusableTimer;
  private heldCompletion = false;
  private slowdown = 1;
  private paused = false;
  private crashed = false;
  private served = 0;
  private cancelled = 0;
  private refused = 0;
  private failedByCrash = 0;
  private busyMs = 0;
  private readonly zeroAnswers: (InferenceOutcome | undefined)[] = [];

  constructor(
    private readonly clock: Clock,
    readonly id: string,
    readonly role: InstanceRole,
    readonly inputSize: number,
    readonly outputSize: number,
    private readonly serviceTime: ServiceTimeSource,
    private readonly maxQueue = SIM_DEFAULT_MAX_QUEUE,
  ) {
    this.completion = clock.timer(() => this.onComplete());
  }

  infer(input: Float32Array, batch: number, done: (outcome: InferenceOutcome) => void): InferenceHandle {
    const job = new SimJob(batch, done, this);
    if (this.crashed) {
      this.failLater(job, `${this.id}: the instance has crashed`, true);
      return job;
    }
    if (!Number.isInteger(batch) || batch < 1 || input.length !== batch * this.inputSize) {
      this.failLater(job, `${this.id}: input has ${input.length} values; batch ${batch} x ${this.inputSize} expected`, false);
      return job;
    }
    if (this.waiting >= this.maxQueue) {
      this.refused++;
      this.failLater(job, `${this.id}: the queue is full (${this.waiting} requests waiting); retry later`, false);
      return job;
    }
    if (this.current === undefined && this.waiting === 0 && !this.paused) {
      // Idle with nothing waiting: straight into service, the queue untouched.
      this.begin(job);
      return job;
    }
    job.queued = true;
    this.queue.push(job);
    this.waiting++;
    if (this.current === undefined) this.startNext();
    return job;
  }

  /** Multiplies the service times of inferences started from now on (1 = none). */
  setSlowdown(factor: number): void {
    if (!Number.isFinite(factor) || factor < 1) throw new RangeError(`${this.id}: a slowdown factor must be a number >= 1, got ${factor}`);
    this.slowdown = factor;
  }

  get slowdownFactor(): number {
    return this.slowdown;
  }

  pause(): void {
    if (this.crashed) return;
    this.paused = true;
  }

  resume(): void {
    if (this.crashed || !this.paused) return;
    this.paused = false;
    if (this.heldCompletion) {
      this.heldCompletion = false;
      this.finishCurrent();
    }
    if (this.current === undefined) this.startNext();
  }

  crash(): void {
    if (this.crashed) return;
    this.crashed = true;
    this.completion.clear();
    this.heldCompletion = false;
    const victims: SimJob[] = [];
    if (this.current && !this.current.cancelled) victims.push(this.current);
    this.current = undefined;
    for (let i = this.head; i < this.queue.length; i++) {
      const j = this.queue[i];
      if (j && !j.cancelled) victims.push(j);
    }
    this.queue.length = 0;
    this.head = 0;
    this.waiting = 0;
    for (const j of victims) {
      this.failedByCrash++;
      j.finished = true;
      j.done({ ok: false, error: new Error(`${this.id}: the instance has crashed`), instanceDown: true });
    }
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get hasCrashed(): boolean {
    return this.crashed;
  }

  /** Requests waiting (not counting the one in service). */
  get queueLength(): number {
    return this.waiting;
  }

  get inService(): boolean {
    return this.current !== undefined;
  }

  stats(): SimulatedInstanceStats {
    return { served: this.served, cancelled: this.cancelled, refused: this.refused, failedByCrash: this.failedByCrash, busyMs: this.busyMs };
  }

  /** Called by a job's cancel(). */
  onCancel(job: SimJob): void {
    this.cancelled++;
    if (job.queued) {
      job.queued = false;
      this.waiting--;
    }
  }

  private startNext(): void {
    if (this.paused || this.crashed) return;
    const queue = this.queue;
    while (this.head < queue.length) {
      const job = queue[this.head];
      queue[this.head++] = undefined;
      if (job === undefined || !job.queued) continue;
      job.queued = false;
      this.waiting--;
      if (this.head > 1024 && this.head * 2 > queue.length) {
        queue.splice(0, this.head);
        this.head = 0;
      }
      this.begin(job);
      return;
    }
    if (this.head !== 0) {
      queue.length = 0;
      this.head = 0;
    }
  }

  /** Takes a job into service now. */
  private begin(job: SimJob): void {
    this.current = job;
    this.currentStart = this.clock.now();
    this.completion.set(this.serviceTime.next() * this.slowdown);
  }

  private onComplete(): void {
    if (this.paused) {
      this.heldCompletion = true;
      return;
    }
    this.finishCurrent();
    if (this.current === undefined) this.startNext();
  }

  private finishCurrent(): void {
    const job = this.current!;
    this.current = undefined;
    this.busyMs += this.clock.now() - this.currentStart;
    job.finished = true;
    if (job.cancelled) return;
    this.served++;
    job.done(this.zeroAnswer(job.batch));
  }

  /**
   * The answer for a batch: zeros, one outcome object per batch size, shared by every answer
   * (outcomes and outputs are read-only: systems read them and never write them).
   */
  private zeroAnswer(batch: number): InferenceOutcome {
    let z = this.zeroAnswers[batch];
    if (z === undefined) {
      z = { ok: true, output: new Float32Array(batch * this.outputSize) };
      this.zeroAnswers[batch] = z;
    }
    return z;
  }

  private failLater(job: SimJob, message: string, instanceDown: boolean): void {
    this.clock.setTimer(0, () => {
      if (job.cancelled) return;
      job.finished = true;
      job.done({ ok: false, error: new Error(message), instanceDown });
    });
  }
}
