import type { Clock } from '../harness/clock.ts';
import type { InferenceHandle, InferenceOutcome, Instance, InstanceRole } from './instance.ts';
import { LinkedList } from './linked-list.ts';

/**
 * Anything a pull queue can send to an instance: one inference on `batch` samples. `queueSlot` is
 * where the queue keeps its bookkeeping for the request while the request waits or runs, so the
 * queue never looks a request up in a table. Owners create requests with `queueSlot: undefined`
 * (for a stable object shape) and never write it. A request is in at most one queue at a time.
 */
export interface QueuedRequest {
  readonly input: Float32Array;
  readonly batch: number;
  queueSlot?: QueueSlot | undefined;
}

/** A request waiting in a pull queue (an item of the queue's waiting list). */
class WaitingSlot {
  listPrev: WaitingSlot | undefined = undefined;
  listNext: WaitingSlot | undefined = undefined;
  listed = false;
  constructor(
    readonly queue: object,
    readonly request: QueuedRequest,
  ) {}
}

/**
 * One instance of a pull queue's pool, with the request it runs (an instance runs one request at a
 * time). The lane lives as long as the queue: starting a request fills it in and the instance's one
 * callback, made once, finds the request there, so nothing is allocated per request started. This
 * relies on the Instance contract: done() is called once per inference, and not after cancel().
 */
class Lane {
  /** The request running on the instance, or undefined (idle, or the queue let go of it). */
  request: QueuedRequest | undefined = undefined;
  handle: InferenceHandle | undefined = undefined;
  startedAt = 0;
  /** The callback given to every infer() on this instance (an instance calls it once per inference). */
  readonly done: (outcome: InferenceOutcome) => void;

  constructor(
    readonly queue: object,
    readonly instance: Instance,
    finish: (lane: Lane, outcome: InferenceOutcome) => void,
  ) {
    this.done = (outcome) => finish(this, outcome);
  }
}

/** What a queue keeps on a request it holds. */
export type QueueSlot = WaitingSlot | Lane;

/** What a pull queue tells its owner. Each call happens at the moment of the event (clock.now()). */
export interface PullQueueListener<R extends QueuedRequest> {
  /** `request` left the queue and was sent to `instance`. */
  started?(request: R, instance: Instance): void;
  /** `output` holds batch x outputSize values; `serviceMs` is the time since the request started. */
  completed(request: R, output: Float32Array, instance: Instance, serviceMs: number): void;
  /**
   * The request failed on `instance`. With `instanceDown` the instance is out of the pool (for good,
   * unless it offers whenUp() and comes back); otherwise it stays and takes the next request. Either way the request is no longer queued or
   * running: the owner decides whether to put it back.
   */
  failed(request: R, error: Error, instance: Instance, instanceDown: boolean, serviceMs: number): void;
  /** Called once, after the `failed` call that took down the last instance of the pool. */
  poolDown?(): void;
}

/**
 * How many times a system puts a request back on its queue after it failed on an instance that
 * stayed up (a request that keeps failing, e.g. one the model rejects, must not loop forever).
 * Requests whose instance went down are always put back while the pool has instances: each such
 * retry removes an instance, so those retries are bounded anyway.
 */
export const RETRIES_AFTER_ERROR = 2;

/**
 * A FIFO queue served by a pool of instances, pull-based: an idle instance takes the request at the
 * head of the queue, and each instance runs one request at a time. Idle instances wait in line
 * (the one idle longest takes the next request; at first, in the order given).
 *
 * Queued requests can be removed at any time (O(1)); a running request cannot be taken back: its
 * instance stays busy until the result comes (and the owner may discard it). Everything happens
 * synchronously inside push() and inside the instances' completion callbacks, so under a manual or
 * simulated clock every dispatch happens at the right virtual time.
 */
export class PullQueue<R extends QueuedRequest> {
  readonly role: InstanceRole;
  private readonly waiting = new LinkedList<WaitingSlot>();
  /** One lane per instance, in the order given. */
  private readonly lanes: readonly Lane[];
  /** Lanes of idle instances, the one idle longest first. */
  private readonly idle: Lane[];
  private runningCount = 0;
  private readonly down = new Set<Instance>();
  private startedCount = 0;
  private closed = false;

  constructor(
    /** For messages, e.g. "deployed" or "replica group B". */
    readonly name: string,
    readonly instances: readonly Instance[],
    private readonly clock: Clock,
    private readonly listener: PullQueueListener<R>,
  ) {
    this.role = instances[0]?.role ?? 'deployed';
    const finish = (lane: Lane, outcome: InferenceOutcome): void => this.finish(lane, outcome);
    this.lanes = instances.map((instance) => new Lane(this, instance, finish));
    this.idle = [...this.lanes];
  }

  /** Requests waiting (not running). */
  get length(): number {
    return this.waiting.size;
  }

  /** Instances not known to be down. */
  get alive(): number {
    return this.instances.length - this.down.size;
  }

  get instancesDown(): number {
    return this.down.size;
  }

  /** Requests running on instances now. */
  get busy(): number {
    return this.runningCount;
  }

  /** Inference requests started so far. */
  get started(): number {
    return this.startedCount;
  }

  isQueued(request: R): boolean {
    const slot = request.queueSlot;
    return slot instanceof WaitingSlot && slot.queue === this;
  }

  isRunning(request: R): boolean {
    const slot = request.queueSlot;
    return slot instanceof Lane && slot.queue === this && slot.request === request;
  }

  /** Adds at the tail; an idle instance takes it at once. */
  push(request: R): void {
    this.insert(request, false);
  }

  /** Adds at the head (a retry, or work older than anything queued). */
  pushFront(request: R): void {
    this.insert(request, true);
  }

  /** Removes a queued request; false if it was not queued (running, finished or never added). */
  remove(request: R): boolean {
    const slot = request.queueSlot;
    if (!(slot instanceof WaitingSlot) || slot.queue !== this) return false;
    request.queueSlot = undefined;
    this.waiting.remove(slot);
    return true;
  }

  /** Drops every queued request and cancels running ones (their callbacks will not be called). */
  close(): void {
    this.closed = true;
    for (const lane of this.lanes) {
      const handle = lane.handle;
      if (this.release(lane) !== undefined) handle?.cancel();
    }
    for (const w of this.waiting.items()) w.request.queueSlot = undefined;
    this.waiting.clear();
  }

  private insert(request: R, front: boolean): void {
    if (this.closed) return;
    const held = request.queueSlot;
    if (held !== undefined) {
      throw new Error(
        held.queue === this
          ? `${this.name} queue: the same request was added twice`
          : `${this.name} queue: the request is already in another queue (a request is in one queue at a time)`,
      );
    }
    // Nothing waiting and an instance idle: the request starts at once, without waiting.
    if (this.waiting.size === 0 && this.idle.length > 0) {
      this.start(this.idle.shift()!, request);
      return;
    }
    const slot = new WaitingSlot(this, request);
    request.queueSlot = slot;
    if (front) this.waiting.prepend(slot);
    else this.waiting.append(slot);
    this.pump();
  }

  private pump(): void {
    for (let slot = this.waiting.first; !this.closed && slot !== undefined && this.idle.length > 0; slot = this.waiting.first) {
      const lane = this.idle.shift()!;
      const request = slot.request as R;
      request.queueSlot = undefined;
      this.waiting.remove(slot);
      this.start(lane, request);
    }
  }

  private start(lane: Lane, request: R): void {
    const instance = lane.instance;
    lane.request = request;
    lane.startedAt = this.clock.now();
    request.queueSlot = lane;
    this.runningCount++;
    this.startedCount++;
    try {
      const handle = instance.infer(request.input, request.batch, lane.done);
      // (A callback that came synchronously, against the contract, has already let go of the request.)
      if (lane.request === request) lane.handle = handle;
    } catch (e) {
      // A backend must report failures through the callback; one that throws is treated as gone.
      const error = new Error(`instance ${instance.id} threw from infer(): ${e instanceof Error ? e.message : String(e)}`);
      this.clock.setTimer(0, () => {
        if (lane.request === request) this.finish(lane, { ok: false, error, instanceDown: true });
      });
      return;
    }
    this.listener.started?.(request, instance);
  }

  /** Lets go of the request running on `lane`, if any, and returns it. */
  private release(lane: Lane): QueuedRequest | undefined {
    const request = lane.request;
    if (request === undefined) return undefined;
    lane.request = undefined;
    lane.handle = undefined;
    request.queueSlot = undefined;
    this.runningCount--;
    return request;
  }

  private finish(lane: Lane, outcome: InferenceOutcome): void {
    const request = this.release(lane) as R | undefined;
    // Nothing running there: the queue was closed (close() let go of every lane's request).
    if (request === undefined) return;
    const instance = lane.instance;
    const serviceMs = this.clock.now() - lane.startedAt;
    if (outcome.ok) {
      const expected = request.batch * instance.outputSize;
      if (outcome.output.length !== expected) {
        outcome = {
          ok: false,
          instanceDown: false,
          error: new Error(
            `instance ${instance.id} returned ${outcome.output.length} values for a batch of ${request.batch}, expected ${expected}`,
          ),
        };
      }
    }
    if (outcome.ok) {
      this.idle.push(lane);
      this.listener.completed(request, outcome.output, instance, serviceMs);
    } else if (outcome.instanceDown) {
      if (!this.down.has(instance)) {
        this.down.add(instance);
        // An instance that can come back (restarted after a crash) rejoins the pool when it does.
        instance.whenUp?.(() => {
          if (this.closed || !this.down.delete(instance)) return;
          this.idle.push(lane);
          this.pump();
        });
      }
      this.listener.failed(request, outcome.error, instance, true, serviceMs);
      if (this.alive === 0) this.listener.poolDown?.();
    } else {
      this.idle.push(lane);
      this.listener.failed(request, outcome.error, instance, false, serviceMs);
    }
    this.pump();
  }
}
