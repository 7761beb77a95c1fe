import { closeSync, mkdirSync, openSync, renameSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import {
  BATCH_RECORDS,
  FLAG_CORRECT,
  FLAG_CORRECT_KNOWN,
  FLAG_INSTANCE,
  FLAG_LABEL,
  FLAG_LOSS,
  FLAG_WARMUP,
  RECORD_SLOTS,
  RING_BATCHES,
  SHARED_BATCHES_DONE,
  SHARED_FAILED,
  SHARED_CELLS,
  SHARED_STARTED,
  STARTUP_BATCHES,
  SLOT_AT_MS,
  SLOT_FROM_SUBMIT_US,
  SLOT_ID,
  SLOT_INSTANCE,
  SLOT_LABEL,
  SLOT_LATENCY_US,
  SLOT_PREDICTION,
  SLOT_SCHEDULED_MS,
  SLOT_SUBMITTED_MS,
  SLOT_TEXT,
  type RecordWriterMessage,
  type RecordWriterReply,
} from './query-record-batch.ts';

/** A batch older than this (wall time) goes out even if not full, so a live run's file keeps up with it. */
const MAX_BATCH_AGE_MS = 1000;
/** Longest wait for the writer thread to catch up before the run fails. */
const STALL_TIMEOUT_MS = 120_000;

const WORKER_ENTRY = new URL('./query-record-worker-entry.mjs', import.meta.url);

/**
 * Where the records of a run are kept while it runs, and after an interrupted run:
 * "queries.ndjson" -> "queries.partial.ndjson".
 */
export function partialPathOf(path: string): string {
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}.partial${ext}`);
}

/**
 * The per-query records file of a run (NDJSON, one object per query; reports/results-schema.md),
 * written as the run goes:
 * - The driver's thread packs each record into a batch (a few stores, no string work) and hands
 *   full batches to a writer thread, which formats the lines and writes them. A simulation makes
 *   hundreds of thousands of records per second; formatting and writing them no longer share its
 *   thread. The batches are slots of one ring of shared memory allocated at the start, so nothing
 *   is allocated per batch and memory stays flat: when the writer is RING_BATCHES batches behind,
 *   the driver's thread waits for it. Only while the writer thread is starting (~0.2 s, loading
 *   its code) are full batches handed over outside the ring instead (STARTUP_BATCHES at most), so
 *   a fast simulation does not stall at its start.
 * - While it is written the file is named partial (see partialPathOf), created at once; finish(true)
 *   renames it to its final name in one step once every line is written, so the final name only
 *   ever holds a complete file; finish(false), abort() or a crash leave the partial file.
 */
export class QueryRecordFile {
  readonly partialPath: string;
  private fd: number | undefined;
  private readonly worker: Worker;
  /** The writer thread's failures, readable synchronously (its events wait for an event loop the driver's thread may not return to). */
  private readonly failures: MessagePort;
  private readonly shared = new Int32Array(new SharedArrayBuffer(SHARED_CELLS * 4));
  /** The ring of batches, shared with the writer thread, and the slot being filled. */
  private readonly ring = new Float64Array(new SharedArrayBuffer(RING_BATCHES * BATCH_RECORDS * RECORD_SLOTS * 8));
  private batch: Float64Array = this.ring.subarray(0, BATCH_RECORDS * RECORD_SLOTS);
  /** The ring slot of `batch`, or undefined for a batch outside the ring (while the writer starts). */
  private batchSlot: number | undefined = 0;
  /** Ring slots taken so far (the first batch takes slot 0), and the number (in hand-over order) of the last batch in each slot. */
  private ringBatches = 1;
  private readonly slotLastBatch = new Array<number>(RING_BATCHES).fill(-1);
  private startupBatches = 0;
  private inBatch = 0;
  private batchStartedAt = 0;
  private batchesSent = 0;
  private records = 0;
  private readonly codes = new Map<string, number>();
  private newStrings: string[] = [];
  private workerFailure: Error | undefined;
  private finished = false;
  private readonly reply: Promise<RecordWriterReply>;

  constructor(readonly path: string) {
    this.partialPath = partialPathOf(path);
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(this.partialPath, 'w');
    const channel = new MessageChannel();
    this.failures = channel.port1;
    this.worker = new Worker(WORKER_ENTRY, { workerData: { fd: this.fd, shared: this.shared, ring: this.ring, failures: channel.port2 }, transferList: [channel.port2] });
    // The thread does not keep the process alive by itself (a run that is abandoned must not hang
    // it); finish() holds it while waiting for the last lines.
    this.worker.unref();
    this.reply = new Promise<RecordWriterReply>((resolve) => {
      this.worker.on('message', (m: RecordWriterReply) => {
        if (m.type === 'error') this.workerFailure = new Error(`${this.path}: writing the records failed: ${m.message}`);
        resolve(m);
      });
      this.worker.on('error', (error) => {
        this.workerFailure = new Error(`${this.path}: the records writer thread failed: ${error.message}`, { cause: error });
        resolve({ type: 'error', message: error.message });
      });
      this.worker.on('exit', (code) => resolve({ type: 'error', message: `the records writer thread exited (code ${code}) before finishing` }));
    });
  }

  /** Records written so far. */
  get count(): number {
    return this.records;
  }

  /** An answered query. Times in ms (rounded to µs by the caller), latencies in whole µs. */
  answer(
    id: number,
    warmup: boolean,
    scheduledMs: number,
    submittedMs: number,
    answeredMs: number,
    latencyUs: number,
    fromSubmitUs: number,
    path: string,
    instance: string | null,
    prediction: number,
    label: number | null,
    correct: boolean | null,
  ): void {
    const o = this.slot();
    const b = this.batch;
    b[o] =
      (warmup ? FLAG_WARMUP : 0) |
      (label !== null ? FLAG_LABEL : 0) |
      (correct !== null ? FLAG_CORRECT_KNOWN : 0) |
      (correct === true ? FLAG_CORRECT : 0) |
      (instance !== null ? FLAG_INSTANCE : 0);
    b[o + SLOT_ID] = id;
    b[o + SLOT_SCHEDULED_MS] = scheduledMs;
    b[o + SLOT_SUBMITTED_MS] = submittedMs;
    b[o + SLOT_AT_MS] = answeredMs;
    b[o + SLOT_LATENCY_US] = latencyUs;
    b[o + SLOT_FROM_SUBMIT_US] = fromSubmitUs;
    b[o + SLOT_TEXT] = this.code(path);
    b[o + SLOT_INSTANCE] = instance === null ? 0 : this.code(instance);
    b[o + SLOT_PREDICTION] = prediction;
    b[o + SLOT_LABEL] = label ?? 0;
    this.added();
  }

  /** A query lost (given up on, or still open at the end). */
  loss(id: number, warmup: boolean, scheduledMs: number, submittedMs: number, lostMs: number, reason: string, label: number | null): void {
    const o = this.slot();
    const b = this.batch;
    b[o] = FLAG_LOSS | (warmup ? FLAG_WARMUP : 0) | (label !== null ? FLAG_LABEL : 0);
    b[o + SLOT_ID] = id;
    b[o + SLOT_SCHEDULED_MS] = scheduledMs;
    b[o + SLOT_SUBMITTED_MS] = submittedMs;
    b[o + SLOT_AT_MS] = lostMs;
    b[o + SLOT_TEXT] = this.code(reason);
    b[o + SLOT_LABEL] = label ?? 0;
    this.added();
  }

  /**
   * Writes what is left, waits for the writer thread, closes the file and, when complete, renames
   * it to its final name. Resolves with where the file is.
   */
  async finish(complete: boolean): Promise<string> {
    if (this.finished || this.fd === undefined) throw new Error(`${this.path}: finished twice`);
    this.finished = true;
    this.worker.ref();
    try {
      this.send(true);
      this.post({ type: 'finish' });
      const reply = await this.reply;
      if (reply.type === 'error') throw this.workerFailure ?? new Error(`${this.path}: ${reply.message}`);
      if (reply.lines !== this.records) throw new Error(`${this.path}: the writer wrote ${reply.lines} records of ${this.records}`);
    } finally {
      this.close();
    }
    if (!complete) return this.partialPath;
    renameSync(this.partialPath, this.path);
    return this.path;
  }

  /** Stops at once (an error elsewhere ended the run): records not yet written are dropped; the partial file stays. */
  abort(): void {
    this.finished = true;
    this.close();
  }

  private close(): void {
    void this.worker.terminate();
    this.failures.close();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Offset of the next record in the batch. */
  private slot(): number {
    if (this.finished) throw new Error(`${this.path}: a record was written after the file was finished`);
    if (this.inBatch === 0) this.batchStartedAt = performance.now();
    return this.inBatch * RECORD_SLOTS;
  }

  private added(): void {
    this.inBatch++;
    this.records++;
    if (this.inBatch === BATCH_RECORDS || ((this.inBatch & 255) === 0 && performance.now() - this.batchStartedAt > MAX_BATCH_AGE_MS)) this.send();
  }

  private code(s: string): number {
    let c = this.codes.get(s);
    if (c === undefined) {
      c = this.codes.size;
      this.codes.set(s, c);
      this.newStrings.push(s);
    }
    return c;
  }

  /**
   * Hands the current batch to the writer thread; then, unless it was the last, finds room for the
   * next one: the ring's next slot once the writer is done with the batch that filled it before, or,
   * while the writer thread is still starting, a batch of its own (up to STARTUP_BATCHES) rather
   * than wait.
   */
  private send(last = false): void {
    this.throwIfFailed();
    if (this.inBatch === 0 && this.newStrings.length === 0) return;
    if (this.batchSlot !== undefined) this.slotLastBatch[this.batchSlot] = this.batchesSent;
    this.post({ type: 'batch', strings: this.newStrings, slot: this.batchSlot ?? this.batch, count: this.inBatch });
    this.batchesSent++;
    this.inBatch = 0;
    this.newStrings = [];
    if (last) return;
    const slot = this.ringBatches % RING_BATCHES;
    // The slot is free once the writer has done every batch up to the one that used it last.
    const needed = this.slotLastBatch[slot] + 1;
    let done = Atomics.load(this.shared, SHARED_BATCHES_DONE);
    if (done < needed && this.startupBatches < STARTUP_BATCHES && Atomics.load(this.shared, SHARED_STARTED) === 0) {
      this.startupBatches++;
      this.batch = new Float64Array(new SharedArrayBuffer(BATCH_RECORDS * RECORD_SLOTS * 8));
      this.batchSlot = undefined;
      return;
    }
    const waitFrom = performance.now();
    while (done < needed) {
      this.throwIfFailed();
      if (performance.now() - waitFrom > STALL_TIMEOUT_MS) throw new Error(`${this.path}: the records writer thread made no progress for ${STALL_TIMEOUT_MS / 1000} s`);
      Atomics.wait(this.shared, SHARED_BATCHES_DONE, done, 1000);
      done = Atomics.load(this.shared, SHARED_BATCHES_DONE);
    }
    this.ringBatches++;
    const start = slot * BATCH_RECORDS * RECORD_SLOTS;
    this.batch = this.ring.subarray(start, start + BATCH_RECORDS * RECORD_SLOTS);
    this.batchSlot = slot;
  }

  /** Throws the writer thread's failure, if it reported one. */
  private throwIfFailed(): void {
    if (this.workerFailure) throw this.workerFailure;
    if (Atomics.load(this.shared, SHARED_FAILED) !== 1) return;
    const reported = receiveMessageOnPort(this.failures)?.message;
    this.workerFailure = new Error(`${this.path}: writing the records failed: ${typeof reported === 'string' ? reported : 'the writer thread reported an error'}`);
    throw this.workerFailure;
  }

  private post(message: RecordWriterMessage): void {
    this.worker.postMessage(message);
  }
}
