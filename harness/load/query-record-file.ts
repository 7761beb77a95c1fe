import { closeSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

/** Flush the buffered lines once they pass this size. */
const FLUSH_BYTES = 64 * 1024;

/**
 * Where the records of a run are kept while it runs, and after an interrupted run:
 * "queries.ndjson" -> "queries.partial.ndjson".
 */
export function partialPathOf(path: string): string {
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}.partial${ext}`);
}

/**
 * A file of one JSON object per line (NDJSON), written as the run goes: lines are buffered and
 * written in 64 KiB blocks, so memory stays flat however long the run. While it is written the
 * file is named partial (see partialPathOf); finish(true) renames it to its final name in one
 * step, so the final name only ever holds a complete file; finish(false), or a crash, leaves the
 * partial file under its partial name.
 */
export class NdjsonRecordFile {
  readonly partialPath: string;
  private fd: number | undefined;
  private buffer = '';
  private lines = 0;

  constructor(readonly path: string) {
    this.partialPath = partialPathOf(path);
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(this.partialPath, 'w');
  }

  /** Records written so far. */
  get count(): number {
    return this.lines;
  }

  write(record: object): void {
    this.writeLine(JSON.stringify(record));
  }

  /** Writes one line that is already JSON text (no newline in it). */
  writeLine(json: string): void {
    if (this.fd === undefined) throw new Error(`${this.path}: a record was written after the file was finished`);
    this.buffer += json + '\n';
    this.lines++;
    if (this.buffer.length >= FLUSH_BYTES) this.flush();
  }

  /** Writes what is buffered and closes the file; complete: rename it to its final name. Returns where it is. */
  finish(complete: boolean): string {
    if (this.fd === undefined) throw new Error(`${this.path}: finished twice`);
    this.flush();
    closeSync(this.fd);
    this.fd = undefined;
    if (!complete) return this.partialPath;
    renameSync(this.partialPath, this.path);
    return this.path;
  }

  private flush(): void {
    if (this.buffer.length === 0 || this.fd === undefined) return;
    writeSync(this.fd, this.buffer);
    this.buffer = '';
  }
}
