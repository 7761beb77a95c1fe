/**
 * The instance server's bounded FIFO queue and its single worker: one request is served at a
 * time, like a GPU serving batch 1.
 *
 * Emulated mode: when a request is taken from the queue at time `start`, the model computes its
 * real outputs and the answer is released at start + (a service time drawn from the profile) x
 * (the slowdown factor in force at `start`), or when the computation ends if that is later.
 * Real mode: the answer is released as soon as the model has computed it.
 */
import { waitUntil } from './precise-wait.ts';
import { DurationHistogram, type DurationSummary } from './server-stats.ts';
import type { ServiceTimeSampler } from './service-time.ts';

export type JobResult = { readonly ok: true; readonly output: Float32Array } | { readonly ok: false; readonly error: Error };

export interface InferenceJob {
  readonly input: Float32Array;
  readonly batch: number;
  /** Called once, when the answer is due; not called for a job cancelled before it started. */
  readonly finish: (result: JobResult) => void;
}

export interface InferenceQueueOptions {
  readonly run: (input: Float32Array, batch: number) => Promise<Float32Array>;
  /** Requests that may wait (the one in service not counted); more are refused. */
  readonly maxQueue: number;
  /** Emulated mode: the service-time draws. null: real mode. */
  readonly serviceTime: ServiceTimeSampler | null;
  readonly now?: () => number;
}

interface QueuedJob {
  readonly job: InferenceJob;
  readonly enqueuedAt: number;
  cancelled: boolean;
}

/** What the caller keeps to cancel a queued job. */
export interface QueueTicket {
  /** Drops the job if it has not started; a started job runs on and its answer is discarded by the caller. */
  cancel(): void;
}

export class InferenceQueue {
  private readonly now: () => number;
  private readonly waiting: QueuedJob[] = [];
  private head = 0;
  private waitingCount = 0;
  private busy = false;
  private slowdown = 1;
  private maxSeen = 0;
  private servedCount = 0;
  private cancelledCount = 0;
  private readonly queueWaitMs = new DurationHistogram();
  private readonly computeMs = new DurationHistogram();
  private readonly serviceMs = new DurationHistogram();

  constructor(private readonly options: InferenceQueueOptions) {
    if (!Number.isInteger(options.maxQueue) || options.maxQueue < 1) {
      throw new Error(`max queue must be a positive integer, got ${options.maxQueue}`);
    }
    this.now = options.now ?? (() => performance.now());
  }

  /** Queues a job; returns null (and queues nothing) when the queue is full. */
  offer(job: InferenceJob): QueueTicket | null {
    if (this.waitingCount >= this.options.maxQueue) return null;
    const entry: QueuedJob = { job, enqueuedAt: this.now(), cancelled: false };
    this.waiting.push(entry);
    this.waitingCount++;
    this.maxSeen = Math.max(this.maxSeen, this.waitingCount);
    const ticket: QueueTicket = {
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        this.cancelledCount++;
        if (this.waiting.includes(entry, this.head)) this.waitingCount--;
      },
    };
    this.pump();
    return ticket;
  }

  /** Multiplies the service times of requests started from now on (1 = no slowdown). */
  setSlowdown(factor: number): void {
    if (!Number.isFinite(factor) || factor < 1) throw new RangeError(`a slowdown factor must be a number >= 1, got ${factor}`);
    this.slowdown = factor;
  }

  get slowdownFactor(): number {
    return this.slowdown;
  }

  /** Requests waiting (not counting the one in service). */
  get length(): number {
    return this.waitingCount;
  }

  get maxLength(): number {
    return this.maxSeen;
  }

  get inService(): boolean {
    return this.busy;
  }

  get served(): number {
    return this.servedCount;
  }

  get cancelled(): number {
    return this.cancelledCount;
  }

  durations(): { queueWait: DurationSummary; compute: DurationSummary; service: DurationSummary } {
    return { queueWait: this.queueWaitMs.summary(), compute: this.computeMs.summary(), service: this.serviceMs.summary() };
  }

  private takeNext(): QueuedJob | undefined {
    while (this.head < this.waiting.length) {
      const entry = this.waiting[this.head++];
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      if (!entry.cancelled) {
        this.waitingCount--;
        return entry;
      }
    }
    return undefined;
  }

  private pump(): void {
    if (this.busy) return;
    const entry = this.takeNext();
    if (entry === undefined) return;
    this.busy = true;
    const start = this.now();
    this.queueWaitMs.record(start - entry.enqueuedAt);
    const sampler = this.options.serviceTime;
    const due = sampler === null ? start : start + sampler.next() * this.slowdown;
    let computation: Promise<Float32Array>;
    try {
      computation = this.options.run(entry.job.input, entry.job.batch);
    } catch (err) {
      computation = Promise.reject(err);
    }
    computation
      .then(
        (output): JobResult => ({ ok: true, output }),
        (err: unknown): JobResult => ({ ok: false, error: err instanceof Error ? err : new Error(String(err)) }),
      )
      .then((result) => {
        this.computeMs.record(this.now() - start);
        waitUntil(due, () => this.complete(entry, start, result), this.now);
      });
  }

  private complete(entry: QueuedJob, start: number, result: JobResult): void {
    this.serviceMs.record(this.now() - start);
    this.busy = false;
    if (result.ok && !entry.cancelled) this.servedCount++;
    try {
      entry.job.finish(result);
    } finally {
      this.pump();
    }
  }
}
