import type { Clock } from '../harness/clock.ts';
import type { InferenceHandle, InferenceOutcome, Instance, InstanceRole } from './instance.ts';

/** Anything a pull queue can send to an instance: one inference on `batch` samples. */
export interface QueuedRequest {
  readonly input: Float32Array;
  readonly batch: number;
}

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

interface Node<R> {
  readonly value: R;
  prev: Node<R> | undefined;
  next: Node<R> | undefined;
}

interface Running {
  readonly instance: Instance;
  readonly startedAt: number;
  handle: InferenceHandle | undefined;
  finished: boolean;
}

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
  private head: Node<R> | undefined;
  private tail: Node<R> | undefined;
  private readonly nodes = new Map<R, Node<R>>();
  private readonly idle: Instance[];
  private readonly running = new Map<R, Running>();
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
    this.idle = [...instances];
  }

  /** Requests waiting (not running). */
  get length(): number {
    return this.nodes.size;
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
    return this.running.size;
  }

  /** Inference requests started so far. */
  get started(): number {
    return this.startedCount;
  }

  isQueued(request: R): boolean {
    return this.nodes.has(request);
  }

  isRunning(request: R): boolean {
    return this.running.has(request);
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
    const node = this.nodes.get(request);
    if (!node) return false;
    this.nodes.delete(request);
    if (node.prev) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.tail = node.prev;
    return true;
  }

  /** Drops every queued request and cancels running ones (their callbacks will not be called). */
  close(): void {
    this.closed = true;
    for (const r of this.running.values()) {
      r.finished = true;
      r.handle?.cancel();
    }
    this.running.clear();
    this.nodes.clear();
    this.head = this.tail = undefined;
  }

  private insert(request: R, front: boolean): void {
    if (this.closed) return;
    if (this.running.has(request) || (this.head !== undefined && this.nodes.has(request))) {
      throw new Error(`${this.name} queue: the same request was added twice`);
    }
    // Nothing waiting and an instance idle: the request starts at once, without a queue node.
    if (this.head === undefined && this.idle.length > 0) {
      this.start(this.idle.shift()!, request);
      return;
    }
    const node: Node<R> = { value: request, prev: undefined, next: undefined };
    if (!this.head || !this.tail) {
      this.head = this.tail = node;
    } else if (front) {
      node.next = this.head;
      this.head.prev = node;
      this.head = node;
    } else {
      node.prev = this.tail;
      this.tail.next = node;
      this.tail = node;
    }
    this.nodes.set(request, node);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.head && this.idle.length > 0) {
      const instance = this.idle.shift()!;
      const request = this.head.value;
      this.remove(request);
      this.start(instance, request);
    }
  }

  private start(instance: Instance, request: R): void {
    const entry: Running = { instance, startedAt: this.clock.now(), handle: undefined, finished: false };
    this.running.set(request, entry);
    this.startedCount++;
    try {
      entry.handle = instance.infer(request.input, request.batch, (outcome) => this.finish(request, entry, outcome));
    } catch (e) {
      // A backend must report failures through the callback; one that throws is treated as gone.
      const error = new Error(`instance ${instance.id} threw from infer(): ${e instanceof Error ? e.message : String(e)}`);
      this.clock.setTimer(0, () => this.finish(request, entry, { ok: false, error, instanceDown: true }));
      return;
    }
    this.listener.started?.(request, instance);
  }

  private finish(request: R, entry: Running, outcome: InferenceOutcome): void {
    if (this.closed || entry.finished) return;
    entry.finished = true;
    this.running.delete(request);
    const { instance } = entry;
    const serviceMs = this.clock.now() - entry.startedAt;
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
      this.idle.push(instance);
      this.listener.completed(request, outcome.output, instance, serviceMs);
    } else if (outcome.instanceDown) {
      if (!this.down.has(instance)) {
        this.down.add(instance);
        // An instance that can come back (restarted after a crash) rejoins the pool when it does.
        instance.whenUp?.(() => {
          if (this.closed || !this.down.delete(instance)) return;
          this.idle.push(instance);
          this.pump();
        });
      }
      this.listener.failed(request, outcome.error, instance, true, serviceMs);
      if (this.alive === 0) this.listener.poolDown?.();
    } else {
      this.idle.push(instance);
      this.listener.failed(request, outcome.error, instance, false, serviceMs);
    }
    this.pump();
  }
}
