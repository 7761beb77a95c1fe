import type { Clock } from '../../harness/clock.ts';
import { admitQuery, type QueryIntake } from '../admit-query.ts';
import { AnswerRecorder } from '../answer-recorder.ts';
import { DeadlineGuard } from '../deadline-guard.ts';
import type { Instance } from '../instance.ts';
import { LinkedList } from '../linked-list.ts';
import { PullQueue, RETRIES_AFTER_ERROR } from '../pull-queue.ts';
import { batchInput, QueryBatcher } from '../query-batcher.ts';
import type { Query, SystemContext } from '../serving-system.ts';
import { checkSystemContext, positiveIntegerOption, SystemConfigError } from '../system-config.ts';
import { SystemCounters, type MeasuredServingSystem, type SystemStats } from '../system-stats.ts';
import { CodingGroup, needsAnswer, type DataRequest, type ParityRequest } from './coding-group.ts';
import { sampleLength, type Encoder } from './encoder.ts';

export interface ParmOptions {
  /**
   * Queries per inference request (default 1). B consecutive queries form one batched request to a
   * deployed instance, a coding group is k such batches, and its parity request is a batch of B
   * (sample i encodes sample i of each of the k batches). A batch is sent once B queries are there:
   * it waits for the batch to fill, as the paper's batching experiment did (no fill timer).
   */
  readonly batchSize?: number;
}

export const PARM_OPTION_NAMES: readonly (keyof ParmOptions)[] = ['batchSize'];

/**
 * ParM (parity models): N deployed instances pull data requests from one shared queue; the parity
 * instances pull parity requests from a separate queue.
 * - Queries are grouped in arrival order into coding groups of k (k batches with batch size B).
 *   There is no grouping timer: a data request goes on the data queue at once and is never delayed
 *   by encoding; when the k-th request of a group arrives, the group's parity request is encoded
 *   (context.encoder) and put on the parity queue.
 * - As soon as k of the k + 1 outputs of a group are back and the missing one is a data output, it
 *   is decoded by subtraction and answered (path "reconstruction", instance: the parity instance);
 *   whichever of original and reconstruction comes first answers. After a reconstruction the
 *   original leaves the data queue if still queued; once no data output of the group is still
 *   needed (e.g. all k came back), the parity request leaves its queue if still queued. Requests
 *   already running finish and their results are discarded.
 * - A data request whose instance goes down goes back to the head of the data queue (a retry) and
 *   can still be reconstructed meanwhile; a parity request whose instance goes down goes back to the
 *   head of the parity queue while a parity instance is alive. Queries that can neither be served
 *   nor reconstructed any more are reported lost, unless a deadline answers them.
 */
export class ParmSystem implements MeasuredServingSystem {
  readonly name = 'parm';
  readonly k: number;
  readonly batchSize: number;
  private readonly clock: Clock;
  private readonly encoder: Encoder;
  private readonly classes: number;
  private readonly inputSize: number;
  private readonly recorder: AnswerRecorder;
  private readonly deadline: DeadlineGuard | undefined;
  private readonly defaultOutput: Float32Array | undefined;
  private readonly batcher: QueryBatcher;
  private readonly intake: QueryIntake;
  private readonly counters = new SystemCounters();
  private readonly dataQueue: PullQueue<DataRequest>;
  private readonly parityQueue: PullQueue<ParityRequest>;
  private forming: CodingGroup;
  /** The data request of each query still open; kept only with a deadline (expire() needs it). */
  private readonly requestOf = new Map<number, DataRequest>();
  /** Data requests with queries still open and no output yet, in dispatch order. */
  private readonly openRequests = new LinkedList<DataRequest>();
  private readonly scratch: Float32Array;
  /**
   * When no parity instance reads input values (simulated instances), every parity query gets this
   * zero input of the right length instead of an encoding: the encoding would only cost wall time.
   */
  private readonly unreadParityInput: Float32Array | undefined;
  private closed = false;

  constructor(context: SystemContext, options: ParmOptions = {}) {
    const name = this.name;
    checkSystemContext(name, context, { deployed: { min: 1 }, parity: 'some', backup: 'none' });
    if (!context.encoder) {
      throw new SystemConfigError(`${name} needs context.encoder: it gives the coding-group size k and how a group is encoded into a parity query`);
    }
    this.encoder = context.encoder;
    this.k = context.encoder.k;
    this.inputSize = context.instances.deployed[0].inputSize;
    const len = sampleLength(this.encoder.shape);
    if (len !== this.inputSize) {
      const s = this.encoder.shape;
      throw new SystemConfigError(
        `${name}: the encoder's samples (${s.channels}x${s.height}x${s.width} = ${len} values) do not match the instances' input size (${this.inputSize})`,
      );
    }
    this.batchSize = positiveIntegerOption(name, 'batchSize', options.batchSize, 1);
    this.clock = context.clock;
    this.classes = context.classes;
    this.scratch = new Float32Array(this.classes);
    this.batcher = new QueryBatcher(this.batchSize);
    this.recorder = new AnswerRecorder(name, context.clock, context.events, context.classes);
    this.defaultOutput = context.defaultOutput;
    this.deadline =
      context.deadlineMs === undefined ? undefined : new DeadlineGuard(context.clock, context.deadlineMs, (id) => this.expire(id));
    this.intake = { system: name, inputSize: this.inputSize, clock: this.clock, recorder: this.recorder, deadline: this.deadline, batcher: this.batcher };
    this.forming = new CodingGroup(this.k, 0);
    this.unreadParityInput = context.instances.parity.every((i) => i.readsInputValues === false)
      ? new Float32Array(this.batchSize * this.inputSize)
      : undefined;
    this.dataQueue = new PullQueue<DataRequest>('deployed', context.instances.deployed, this.clock, {
      started: (r) => {
        r.state = 'running';
      },
      completed: (r, output, instance) => this.dataCompleted(r, output, instance),
      failed: (r, error, _instance, down) => this.dataFailed(r, error, down),
      poolDown: () => this.sweep(),
    });
    this.parityQueue = new PullQueue<ParityRequest>('parity', context.instances.parity, this.clock, {
      started: (p) => {
        p.state = 'running';
      },
      completed: (p, output, instance) => this.parityCompleted(p, output, instance),
      failed: (p, error, _instance, down) => this.parityFailed(p, error, down),
      poolDown: () => this.sweep(),
    });
  }

  submit(query: Query): void {
    const queries = admitQuery(this.intake, query, this.closed);
    if (!queries) {
      if (!this.deadline && this.dataQueue.alive === 0) this.sweep();
      return;
    }
    this.dispatch(queries, false);
  }

  flush(): void {
    const waiting = this.batcher.takeWaiting();
    if (waiting.length > 0 && !this.closed) this.dispatch(waiting, true);
  }

  /**
   * Sends a batch of admitted queries as the next data request of the forming coding group. A
   * partial batch (`last`, from flush) closes its group without a parity query: a parity encodes
   * k batches of one size.
   */
  private dispatch(queries: readonly Query[], last: boolean): void {
    const group = this.forming;
    const request: DataRequest = {
      group,
      position: group.data.length,
      queries,
      input: batchInput(queries, this.inputSize),
      batch: queries.length,
      state: 'queued',
      output: undefined,
      open: queries.length,
      errorRetries: 0,
      lastError: undefined,
      queueSlot: undefined,
      listPrev: undefined,
      listNext: undefined,
      listed: false,
    };
    group.data.push(request);
    if (this.deadline) for (const q of queries) this.requestOf.set(q.id, request);
    this.openRequests.append(request);
    // The data request goes out first: encoding never delays it.
    this.dataQueue.push(request);
    if (!this.deadline && this.dataQueue.alive === 0) this.sweep();
    if (last) this.forming = new CodingGroup(this.k, group.index + 1);
    else if (group.complete) {
      this.forming = new CodingGroup(this.k, group.index + 1);
      if (group.hasNeedyData()) this.sendParity(group);
    }
  }

  get outstanding(): number {
    return this.recorder.outstanding;
  }

  stats(): SystemStats {
    return {
      system: this.name,
      submitted: this.recorder.submitted,
      answers: this.recorder.answers,
      lost: this.recorder.lost,
      outstanding: this.recorder.outstanding,
      waitingForBatch: this.batcher.waiting.length,
      ...this.counters,
      instancesDown: this.dataQueue.instancesDown + this.parityQueue.instancesDown,
      requestsStarted: { deployed: this.dataQueue.started, parity: this.parityQueue.started, backup: 0 },
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.deadline?.close();
    this.dataQueue.close();
    this.parityQueue.close();
    this.openRequests.clear();
  }

  private sendParity(group: CodingGroup): void {
    const parity: ParityRequest = {
      group,
      input: this.unreadParityInput ?? group.encodeParity(this.encoder, this.batchSize),
      batch: this.batchSize,
      state: 'queued',
      errorRetries: 0,
      lastError: undefined,
      queueSlot: undefined,
    };
    group.parity = parity;
    if (this.parityQueue.alive === 0) {
      parity.state = 'failed';
      return;
    }
    this.counters.parityQueriesSent++;
    this.parityQueue.push(parity);
  }

  private dataCompleted(request: DataRequest, output: Float32Array, instance: Instance): void {
    request.state = 'done';
    request.output = output;
    this.openRequests.remove(request);
    const c = this.classes;
    let answered = 0;
    for (let i = 0; i < request.queries.length; i++) {
      const id = request.queries[i].id;
      const sample = request.queries.length === 1 ? output : output.subarray(i * c, (i + 1) * c);
      if (this.recorder.answer(id, 'original', instance.id, sample)) {
        answered++;
        if (this.deadline) this.requestOf.delete(id);
      }
    }
    request.open = 0;
    if (answered === 0) this.counters.discardedLate++;
    const group = request.group;
    const missing = group.decodable();
    if (missing) this.reconstruct(group, missing);
    this.dropParityIfUnneeded(group);
  }

  private parityCompleted(parity: ParityRequest, output: Float32Array, instance: Instance): void {
    parity.state = 'done';
    const group = parity.group;
    group.parityOutput = output;
    group.parityInstance = instance.id;
    const missing = group.decodable();
    if (missing) this.reconstruct(group, missing);
    else if (!group.hasNeedyData()) this.counters.discardedLate++;
  }

  private reconstruct(group: CodingGroup, missing: DataRequest): void {
    for (let i = 0; i < missing.queries.length; i++) {
      const id = missing.queries[i].id;
      if (!this.recorder.isOpen(id)) continue;
      group.reconstruct(missing, i, this.classes, this.scratch);
      this.recorder.answer(id, 'reconstruction', group.parityInstance!, this.scratch);
      if (this.deadline) this.requestOf.delete(id);
    }
    missing.open = 0;
    this.openRequests.remove(missing);
    this.dropQueuedData(missing, true);
  }

  private dataFailed(request: DataRequest, error: Error, instanceDown: boolean): void {
    if (!instanceDown) this.counters.inferenceErrors++;
    request.lastError = error;
    const stillNeeded = request.open > 0 || request.group.data.some((o) => o !== request && needsAnswer(o));
    if (
      !this.closed &&
      stillNeeded &&
      this.dataQueue.alive > 0 &&
      (instanceDown || request.errorRetries < RETRIES_AFTER_ERROR)
    ) {
      if (!instanceDown) request.errorRetries++;
      request.state = 'queued';
      this.counters.retries++;
      this.dataQueue.pushFront(request);
      return;
    }
    request.state = 'failed';
    if (!this.deadline && !this.closed) this.checkGroup(request.group);
  }

  private parityFailed(parity: ParityRequest, error: Error, instanceDown: boolean): void {
    if (!instanceDown) this.counters.inferenceErrors++;
    parity.lastError = error;
    if (
      !this.closed &&
      parity.group.hasNeedyData() &&
      this.parityQueue.alive > 0 &&
      (instanceDown || parity.errorRetries < RETRIES_AFTER_ERROR)
    ) {
      if (!instanceDown) parity.errorRetries++;
      parity.state = 'queued';
      this.counters.retries++;
      this.parityQueue.pushFront(parity);
      return;
    }
    parity.state = 'failed';
    if (!this.deadline && !this.closed) this.checkGroup(parity.group);
  }

  private expire(queryId: number): void {
    if (!this.recorder.answer(queryId, 'default', null, this.defaultOutput!)) return;
    const request = this.requestOf.get(queryId);
    if (!request) {
      this.batcher.remove(queryId);
      return;
    }
    this.requestOf.delete(queryId);
    request.open--;
    if (request.open === 0) {
      this.openRequests.remove(request);
      this.dropQueuedData(request, true);
      this.dropParityIfUnneeded(request.group);
    }
  }

  private dropQueuedData(request: DataRequest, count: boolean): void {
    if (request.state === 'queued' && this.dataQueue.remove(request)) {
      request.state = 'cancelled';
      if (count) this.counters.cancelledQueued++;
    }
  }

  private dropParityIfUnneeded(group: CodingGroup): void {
    const parity = group.parity;
    if (parity?.state === 'queued' && !group.hasNeedyData() && this.parityQueue.remove(parity)) {
      parity.state = 'cancelled';
      this.counters.cancelledQueued++;
    }
  }

  // ---- giving up (only without a deadline: with one, the deadline answers instead) ----

  private dataPending(r: DataRequest): boolean {
    return r.state === 'running' || (r.state === 'queued' && this.dataQueue.alive > 0);
  }

  private parityPossible(group: CodingGroup): boolean {
    const p = group.parity;
    if (group.parityOutput) return true;
    return !!p && (p.state === 'running' || (p.state === 'queued' && this.parityQueue.alive > 0));
  }

  /** Why the request can no longer be answered, or undefined if it still can. */
  private deadEnd(r: DataRequest): string | undefined {
    if (this.dataPending(r)) return undefined;
    const g = r.group;
    const served =
      r.lastError && r.errorRetries >= RETRIES_AFTER_ERROR && this.dataQueue.alive > 0
        ? `its inference failed ${RETRIES_AFTER_ERROR + 1} times on live deployed instances (${r.lastError.message})`
        : `no deployed instance is left to serve it (all ${this.dataQueue.instances.length} are down)`;
    let rebuild: string | undefined;
    if (!g.complete) rebuild = `its coding group has only ${g.data.length} of ${this.k} queries, so no parity query exists`;
    else if (!this.parityPossible(g)) rebuild = `its group's parity query cannot be served (all ${this.parityQueue.instances.length} parity instances are down or it failed)`;
    else if (g.data.some((o) => o !== r && !o.output && !this.dataPending(o))) rebuild = `another query of its coding group is missing too`;
    return rebuild === undefined ? undefined : `${this.name}: ${served}, and it cannot be reconstructed: ${rebuild}`;
  }

  private loseRequest(r: DataRequest, reason: string): void {
    for (const q of r.queries) {
      if (this.recorder.lose(q.id, reason)) this.requestOf.delete(q.id);
    }
    r.open = 0;
    this.openRequests.remove(r);
    this.dropQueuedData(r, false);
  }

  private checkGroup(group: CodingGroup): void {
    for (const r of group.data) {
      if (r.open === 0 || r.output) continue;
      const reason = this.deadEnd(r);
      if (reason) this.loseRequest(r, reason);
    }
    this.dropParityIfUnneeded(group);
  }

  private sweep(): void {
    if (this.deadline || this.closed) return;
    const groups = new Set<CodingGroup>();
    for (const r of this.openRequests.items()) {
      const reason = this.deadEnd(r);
      if (reason) {
        this.loseRequest(r, reason);
        groups.add(r.group);
      }
    }
    for (const g of groups) this.dropParityIfUnneeded(g);
    if (this.dataQueue.alive === 0) {
      const reason = `${this.name}: no deployed instance is left to serve it (all ${this.dataQueue.instances.length} are down)`;
      for (const q of this.batcher.takeWaiting()) this.recorder.lose(q.id, reason);
    }
  }
}
