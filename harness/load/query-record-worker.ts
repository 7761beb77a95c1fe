import { writeSync } from 'node:fs';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import {
  BATCH_RECORDS,
  FLAG_CORRECT,
  FLAG_CORRECT_KNOWN,
  FLAG_INSTANCE,
  FLAG_LABEL,
  FLAG_LOSS,
  FLAG_WARMUP,
  RECORD_SLOTS,
  SHARED_BATCHES_DONE,
  SHARED_FAILED,
  SHARED_STARTED,
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
import { QueryRecordLines } from './query-record-line.ts';

/**
 * The records writer thread (started by QueryRecordFile through query-record-worker-entry.mjs):
 * turns packed record batches into NDJSON lines and writes them, in order, to the file descriptor
 * the driver's thread opened. It owns no file name: naming, closing and renaming stay with the
 * driver's thread.
 */
const { fd, shared, ring, failures } = workerData as { fd: number; shared: Int32Array; ring: Float64Array; failures: MessagePort };
const port = parentPort!;
const lines = new QueryRecordLines();
const strings: string[] = [];
/** Bytes of lines gathered before a write. */
const FLUSH_BYTES = 256 * 1024;
let written = 0;
let failed = false;

function flush(): void {
  let offset = 0;
  while (offset < lines.length) offset += writeSync(fd, lines.bytes, offset, lines.length - offset);
  lines.clear();
}

function text(code: number): string {
  const s = strings[code];
  if (s === undefined) throw new Error(`records writer: unknown string code ${code}`);
  return s;
}

function writeBatch(data: Float64Array, count: number): void {
  for (let r = 0; r < count; r++) {
    const o = r * RECORD_SLOTS;
    const flags = data[o];
    const warmup = (flags & FLAG_WARMUP) !== 0;
    const label = (flags & FLAG_LABEL) !== 0 ? data[o + SLOT_LABEL] : null;
    if ((flags & FLAG_LOSS) !== 0) {
      lines.appendLoss(data[o + SLOT_ID], warmup, data[o + SLOT_SCHEDULED_MS], data[o + SLOT_SUBMITTED_MS], data[o + SLOT_AT_MS], text(data[o + SLOT_TEXT]), label);
    } else {
      lines.appendAnswer(
        data[o + SLOT_ID],
        warmup,
        data[o + SLOT_SCHEDULED_MS],
        data[o + SLOT_SUBMITTED_MS],
        data[o + SLOT_AT_MS],
        data[o + SLOT_LATENCY_US],
        data[o + SLOT_FROM_SUBMIT_US],
        text(data[o + SLOT_TEXT]),
        (flags & FLAG_INSTANCE) !== 0 ? text(data[o + SLOT_INSTANCE]) : null,
        data[o + SLOT_PREDICTION],
        label,
        (flags & FLAG_CORRECT_KNOWN) !== 0 ? (flags & FLAG_CORRECT) !== 0 : null,
      );
    }
    written++;
    if (lines.length >= FLUSH_BYTES) flush();
  }
}

function fail(error: unknown): void {
  failed = true;
  const message = error instanceof Error ? error.message : String(error);
  // First on the failure port, which the driver's thread can read synchronously, then the flag.
  failures.postMessage(message);
  Atomics.store(shared, SHARED_FAILED, 1);
  Atomics.notify(shared, SHARED_BATCHES_DONE);
  const reply: RecordWriterReply = { type: 'error', message };
  port.postMessage(reply);
}

port.on('message', (m: RecordWriterMessage) => {
  if (failed) return;
  try {
    if (m.type === 'batch') {
      for (const s of m.strings) strings.push(s);
      if (typeof m.slot === 'number') {
        const start = m.slot * BATCH_RECORDS * RECORD_SLOTS;
        writeBatch(ring.subarray(start, start + m.count * RECORD_SLOTS), m.count);
      } else {
        writeBatch(m.slot, m.count);
      }
      // A batch's lines reach the file before it counts as done: the driver's thread may close the file after the last one.
      flush();
      Atomics.add(shared, SHARED_BATCHES_DONE, 1);
      Atomics.notify(shared, SHARED_BATCHES_DONE);
    } else {
      flush();
      const reply: RecordWriterReply = { type: 'finished', lines: written };
      port.postMessage(reply);
    }
  } catch (error) {
    fail(error);
  }
});

// Loaded and listening: the driver's thread stops handing batches over outside the ring.
Atomics.store(shared, SHARED_STARTED, 1);
