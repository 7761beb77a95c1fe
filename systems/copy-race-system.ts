import type { Clock, TimerHandle } from '../harness/clock.ts';
import { admitQuery, type QueryIntake } from './admit-query.ts';
import { AnswerRecorder } from './answer-recorder.ts';
import { DeadlineGuard } from './deadline-guard.ts';
import type { Instance, InstanceRole } from './instance.ts';
import { LinkedList } from './linked-list.ts';
import { PullQueue, RETRIES_AFTER_ERROR, type PullQueueListener, type QueuedRequest } from './pull-queue.ts';
import { batchInput, QueryBatcher } from './query-batcher.ts';
import type { AnswerPath, Query, SystemContext } from './serving-system.ts';
import { checkSystemContext, type InstanceNeeds } from './system-config.ts';
import { SystemCounters, type MeasuredServingSystem, type SystemStats } from './system-stats.ts';

export type CopyState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** One copy of a race's request, on one queue. */
export interface RaceCopy extends QueuedRequest {
  readonly race: Race;
  /** The path of the answer if this copy wins. */
  readonly path: AnswerPath;
  readonly queue: PullQueue<RaceCopy>;
  state: CopyState;
  errorRetries: number;
  lastError: Error | undefined;
}

/**
 * The queries of one request (one query, or a batch of B) and the copies of that request racing to
 * answer them.
 */
export interface Race {
  readonly queries: readonly Query[];
  readonly input: Float32Array;
  readonly copies: RaceCopy[];
  /** Queries of the race not answered (or lost) yet. */
  open: number;
  /** A timer that may add a copy later (hedge, delayed backup). */
  timer: TimerHandle | undefined;
  /** Links on the system's list of open races (see LinkedList). */
  listPrev: Race | undefined;
  listNext: Race | undefined;
  listed: boolean;
}

/**
 * The policy shared by every system that serves a query by sending copies of it to instances of F
 * (or of a backup model) and taking the first answer: no redundancy (one copy), equal resources,
 * replication, hedged requests and approximate backups. Subclasses only say where copies go
 * (`launch`) and when extra copies are added (timers, hooks); this class does the rest:
 * - the first copy to return answers the race's queries (path of that copy); queued copies of the
 *   race are then removed from their queues (counted as cancelled); copies already running finish
 *   and their results are discarded (counted as discarded late);
 * - a copy whose instance goes down goes back to the head of its queue (a retry) while the queue
 *   has instances; a copy that fails on a live instance is retried a bounded number of times;
 * - when no copy can still answer (every queue it could use has lost all its instances), its
 *   queries are reported lost, unless a deadline is set: the deadline then answers them;
 * - the deadline (context.deadlineMs) answers with the default output and removes queued copies.
 */
export abstract class CopyRaceSystem implements MeasuredServingSystem {
  protected readonly clock: Clock;
  protected readonly counters = new SystemCounters();
  private readonly recorder: AnswerRecorder;
  private readonly deadline: DeadlineGuard | undefined;
  private readonly defaultOutput: Float32Array | undefined;
  private readonly batcher: QueryBatcher;
  private readonly intake: QueryIntake;
  private readonly inputSize: number;
  private readonly classes: number;
  /** The race of each query still open; kept only with a deadline (expire() needs it). */
  private readonly raceOf = new Map<number, Race>();
  /** Races with queries still open, in dispatch order. */
  private readonly openRaces = new LinkedList<Race>();
  private readonly allQueues: PullQueue<RaceCopy>[] = [];
  private readonly listener: PullQueueListener<RaceCopy>;
  private closed = false;

  protected constructor(
    readonly name: string,
    context: SystemContext,
    needs: InstanceNeeds,
    batchSize: number,
  ) {
    checkSystemContext(name, context, needs);
    this.clock = context.clock;
    this.classes = context.classes;
    this.inputSize = context.instances.deployed[0].inputSize;
    this.batcher = new QueryBatcher(batchSize);
    this.recorder = new AnswerRecorder(name, context.clock, context.events, context.classes);
    this.defaultOutput = context.defaultOutput;
    this.deadline =
      context.deadlineMs === undefined ? undefined : new DeadlineGuard(context.clock, context.deadlineMs, (id) => this.expire(id));
    this.intake = { system: name, inputSize: this.inputSize, clock: this.clock, recorder: this.recorder, deadline: this.deadline, batcher: this.batcher };
    this.listener = {
      started: (copy, instance) => {
        copy.state = 'running';
        this.copyStarted(copy, instance);
      },
      completed: (copy, output, instance, serviceMs) => this.copyCompleted(copy, output, instance, serviceMs),
      failed: (copy, error, _instance, instanceDown, serviceMs) => this.copyFailed(copy, error, instanceDown, serviceMs),
      poolDown: () => this.sweep(),
    };
  }

  /** Puts the first copies of a new race on their queues (and sets any timer for later copies). */
  protected abstract launch(race: Race): void;

  /** A copy was sent to an instance. */
  protected copyStarted(_copy: RaceCopy, _instance: Instance): void {}

  /** A copy came back (ok) or failed; called before the result is used. */
  protected copyFinished(_copy: RaceCopy, _ok: boolean, _serviceMs: number): void {}

  /** True when the subclass may still add a copy to this race that could be served (e.g. a pending backup timer). */
  protected mayAddCopy(_race: Race): boolean {
    return false;
  }

  /** Extra figures for stats(). */
  protected extraStats(): Partial<SystemStats> {
    return {};
  }

  /** A queue over `instances`, served by this system. */
  protected createQueue(name: string, instances: readonly Instance[]): PullQueue<RaceCopy> {
    const queue = new PullQueue<RaceCopy>(name, instances, this.clock, this.listener);
    this.allQueues.push(queue);
    return queue;
  }

  /**
   * Adds a copy of the race's request to `queue` (at the head with `front`). Returns undefined, and
   * adds nothing, when the race is over or the queue has no instance left.
   */
  protected addCopy(race: Race, queue: PullQueue<RaceCopy>, path: AnswerPath, front = false): RaceCopy | undefined {
    if (this.closed || race.open === 0 || queue.alive === 0) return undefined;
    const copy: RaceCopy = {
      race,
      path,
      queue,
      input: race.input,
      batch: race.queries.length,
      state: 'queued',
      errorRetries: 0,
      lastError: undefined,
      queueSlot: undefined,
    };
    race.copies.push(copy);
    if (front) queue.pushFront(copy);
    else queue.push(copy);
    return copy;
  }

  /** Sets the race's timer (replacing any); `fn` runs only if the race is still open then. */
  protected setRaceTimer(race: Race, delayMs: number, fn: () => void): void {
    this.clearRaceTimer(race);
    race.timer = this.clock.setTimer(delayMs, () => {
      race.timer = undefined;
      if (this.closed || race.open === 0) return;
      fn();
      if (!this.deadline) this.checkRace(race);
    });
  }

  protected clearRaceTimer(race: Race): void {
    if (race.timer) this.clock.clearTimer(race.timer);
    race.timer = undefined;
  }

  submit(query: Query): void {
    const queries = admitQuery(this.intake, query, this.closed);
    if (!queries) {
      if (!this.deadline && !this.allQueues.some((q) => q.alive > 0)) this.loseWaiting();
      return;
    }
    this.dispatch(queries);
  }

  flush(): void {
    const waiting = this.batcher.takeWaiting();
    if (waiting.length > 0 && !this.closed) this.dispatch(waiting);
  }

  /** Sends a batch of admitted queries on its way. */
  private dispatch(queries: readonly Query[]): void {
    const race: Race = {
      queries,
      input: batchInput(queries, this.inputSize),
      copies: [],
      open: queries.length,
      timer: undefined,
      listPrev: undefined,
      listNext: undefined,
      listed: false,
    };
    if (this.deadline) for (const q of queries) this.raceOf.set(q.id, race);
    this.openRaces.append(race);
    this.launch(race);
    if (!this.deadline) this.checkRace(race);
  }

  get outstanding(): number {
    return this.recorder.outstanding;
  }

  stats(): SystemStats {
    const requestsStarted: Record<InstanceRole, number> = { deployed: 0, parity: 0, backup: 0 };
    let instancesDown = 0;
    for (const q of this.allQueues) {
      requestsStarted[q.role] += q.started;
      instancesDown += q.instancesDown;
    }
    return {
      system: this.name,
      submitted: this.recorder.submitted,
      answers: this.recorder.answers,
      lost: this.recorder.lost,
      outstanding: this.recorder.outstanding,
      waitingForBatch: this.batcher.waiting.length,
      ...this.counters,
      instancesDown,
      requestsStarted,
      ...this.extraStats(),
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.deadline?.close();
    for (const race of this.openRaces.items()) this.clearRaceTimer(race);
    this.openRaces.clear();
    for (const q of this.allQueues) q.close();
  }

  private copyCompleted(copy: RaceCopy, output: Float32Array, instance: Instance, serviceMs: number): void {
    copy.state = 'done';
    this.copyFinished(copy, true, serviceMs);
    const race = copy.race;
    const c = this.classes;
    let answered = 0;
    for (let i = 0; i < race.queries.length; i++) {
      const id = race.queries[i].id;
      const sample = race.queries.length === 1 ? output : output.subarray(i * c, (i + 1) * c);
      if (this.recorder.answer(id, copy.path, instance.id, sample)) {
        answered++;
        this.closeQuery(race, id);
      }
    }
    if (answered === 0) this.counters.discardedLate++;
  }

  private copyFailed(copy: RaceCopy, error: Error, instanceDown: boolean, serviceMs: number): void {
    this.copyFinished(copy, false, serviceMs);
    if (!instanceDown) this.counters.inferenceErrors++;
    copy.lastError = error;
    const race = copy.race;
    if (race.open === 0 || this.closed) {
      copy.state = 'failed';
      return;
    }
    if (copy.queue.alive > 0 && (instanceDown || copy.errorRetries < RETRIES_AFTER_ERROR)) {
      if (!instanceDown) copy.errorRetries++;
      copy.state = 'queued';
      this.counters.retries++;
      copy.queue.pushFront(copy);
    } else {
      copy.state = 'failed';
      if (!this.deadline) this.checkRace(race);
    }
  }

  private closeQuery(race: Race, queryId: number): void {
    if (this.deadline) this.raceOf.delete(queryId);
    race.open--;
    if (race.open === 0) this.endRace(race, true);
  }

  /** The race is over: its timer stops and its queued copies leave their queues. */
  private endRace(race: Race, countCancelled: boolean): void {
    this.openRaces.remove(race);
    this.clearRaceTimer(race);
    for (const copy of race.copies) {
      if (copy.state === 'queued' && copy.queue.remove(copy)) {
        copy.state = 'cancelled';
        if (countCancelled) this.counters.cancelledQueued++;
      }
    }
  }

  private expire(queryId: number): void {
    if (!this.recorder.answer(queryId, 'default', null, this.defaultOutput!)) return;
    const race = this.raceOf.get(queryId);
    if (race) this.closeQuery(race, queryId);
    else this.batcher.remove(queryId);
  }

  private answerable(race: Race): boolean {
    for (const c of race.copies) {
      if (c.state === 'running' || (c.state === 'queued' && c.queue.alive > 0)) return true;
    }
    return this.mayAddCopy(race);
  }

  private checkRace(race: Race): void {
    if (race.open > 0 && !this.answerable(race)) this.loseRace(race);
  }

  /** Reports lost every query no copy can answer any more (only without a deadline). */
  private sweep(): void {
    if (this.deadline || this.closed) return;
    for (const race of this.openRaces.items()) this.checkRace(race);
    if (!this.allQueues.some((q) => q.alive > 0)) this.loseWaiting();
  }

  private loseRace(race: Race): void {
    const reason = this.lossReason(race);
    for (const q of race.queries) {
      if (this.recorder.lose(q.id, reason)) this.raceOf.delete(q.id);
    }
    race.open = 0;
    this.endRace(race, false);
  }

  private loseWaiting(): void {
    const reason = this.lossReason(undefined);
    for (const q of this.batcher.takeWaiting()) this.recorder.lose(q.id, reason);
  }

  private lossReason(race: Race | undefined): string {
    const failed = race?.copies.find((c) => c.state === 'failed' && c.errorRetries >= RETRIES_AFTER_ERROR && c.lastError);
    if (failed) {
      return `inference failed ${RETRIES_AFTER_ERROR + 1} times on live ${failed.queue.name} instances: ${failed.lastError!.message}`;
    }
    const dead = this.allQueues.filter((q) => q.alive === 0).map((q) => `all ${q.instances.length} ${q.name} instances are down`);
    return `${this.name}: no instance left to serve it (${dead.join('; ') || 'no queue could take it'})`;
  }
}
