/**
 * How query records travel from the load driver to the records writer thread: numbers packed in
 * a Float64Array, RECORD_SLOTS per record, strings (paths, instance ids, loss reasons) as codes
 * into a table that grows as new strings appear. Packing a record is a few stores, so the driver's
 * thread spends almost nothing per query; the writer thread turns them into NDJSON lines.
 */
export const RECORD_SLOTS = 11;

/** Records per batch handed to the writer thread. */
export const BATCH_RECORDS = 4096;
/** Batches in the shared ring: how far the writer thread may be behind before the driver's thread waits for it (5.8 MB in all). */
export const RING_BATCHES = 16;
/**
 * Batches the driver's thread may hand over outside the ring while the writer thread is still
 * starting (loading its code takes ~0.2 s, in which a simulation makes 100,000 records): up to
 * 23 MB, once per file, instead of waiting.
 */
export const STARTUP_BATCHES = 64;

/** Slot 0: flags. */
export const FLAG_LOSS = 1;
export const FLAG_WARMUP = 2;
export const FLAG_LABEL = 4;
export const FLAG_CORRECT_KNOWN = 8;
export const FLAG_CORRECT = 16;
export const FLAG_INSTANCE = 32;

/** The other slots. */
export const SLOT_ID = 1;
export const SLOT_SCHEDULED_MS = 2;
export const SLOT_SUBMITTED_MS = 3;
/** answeredMs or lostMs. */
export const SLOT_AT_MS = 4;
export const SLOT_LATENCY_US = 5;
export const SLOT_FROM_SUBMIT_US = 6;
/** Path code (answers) or reason code (losses). */
export const SLOT_TEXT = 7;
export const SLOT_INSTANCE = 8;
export const SLOT_PREDICTION = 9;
export const SLOT_LABEL = 10;

/**
 * Driver -> writer thread. Batches live in a ring of shared memory the two threads are given at the
 * start (`slot` says which part); nothing is copied or allocated per batch.
 */
export type RecordWriterMessage =
  | {
      readonly type: 'batch';
      readonly strings: readonly string[];
      /** The ring slot holding the batch, or the batch itself (shared memory, handed over while the writer starts). */
      readonly slot: number | Float64Array;
      readonly count: number;
    }
  | { readonly type: 'finish' };

/** Writer thread -> driver. */
export type RecordWriterReply = { readonly type: 'finished'; readonly lines: number } | { readonly type: 'error'; readonly message: string };

/** The shared cells: batches written so far, 1 once writing failed, 1 once the writer thread has started. */
export const SHARED_BATCHES_DONE = 0;
export const SHARED_FAILED = 1;
export const SHARED_STARTED = 2;
export const SHARED_CELLS = 3;
