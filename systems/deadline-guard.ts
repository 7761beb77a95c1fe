import type { Clock, TimerHandle } from '../harness/clock.ts';

/** Deadlines are compared with this slack, so that float rounding in timer arithmetic cannot delay one. */
const SLACK_MS = 1e-9;

/**
 * Calls `expire(queryId)` when a query's deadline (submission + deadlineMs) passes. Every query has
 * the same deadline length and clock time only moves forward, so deadlines fall due in submission
 * order: one FIFO and a single timer for its head serve any number of queries. Answered queries are
 * not removed; `expire` is still called for them and must ignore queries no longer open.
 */
export class DeadlineGuard {
  private ids: number[] = [];
  private dues: number[] = [];
  private head = 0;
  private timer: TimerHandle | undefined;
  private firing = false;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    readonly deadlineMs: number,
    private readonly expire: (queryId: number) => void,
  ) {
    if (!(deadlineMs > 0) || !Number.isFinite(deadlineMs)) {
      throw new RangeError(`deadline must be a positive number of ms, got ${deadlineMs}`);
    }
  }

  /** Starts the deadline of a query submitted at `submittedAt` (normally clock.now()). */
  track(queryId: number, submittedAt: number): void {
    if (this.closed) return;
    this.ids.push(queryId);
    this.dues.push(submittedAt + this.deadlineMs);
    if (!this.timer && !this.firing) this.arm();
  }

  /** Deadlines not yet passed (including those of queries answered since). */
  get pending(): number {
    return this.ids.length - this.head;
  }

  close(): void {
    this.closed = true;
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.ids = [];
    this.dues = [];
    this.head = 0;
  }

  private arm(): void {
    if (this.head >= this.ids.length) return;
    this.timer = this.clock.setTimer(this.dues[this.head] - this.clock.now(), () => this.fire());
  }

  private fire(): void {
    this.timer = undefined;
    this.firing = true;
    try {
      const now = this.clock.now();
      while (!this.closed && this.head < this.ids.length && this.dues[this.head] <= now + SLACK_MS) {
        const id = this.ids[this.head++];
        this.expire(id);
      }
      if (this.head > 1024 && this.head * 2 > this.ids.length) {
        this.ids = this.ids.slice(this.head);
        this.dues = this.dues.slice(this.head);
        this.head = 0;
      }
    } finally {
      this.firing = false;
    }
    if (!this.closed) this.arm();
  }
}
