import { ArrivalConfigError, type ArrivalProcess } from './arrival-process.ts';
import { textLines } from './text-lines.ts';

export interface TraceArrivalsOptions {
  /** Path of the CSV file. */
  readonly file: string;
  /** What the column holds: send times (ms, any origin) or gaps between sends (ms). */
  readonly values: 'timestamps' | 'gaps';
  /** The column: its header name, or its 0-based position (default 0). */
  readonly column?: string | number;
  /** Replay this many times faster (2: twice the rate; 0.5: half). Default 1. */
  readonly speedup?: number;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Replays the send times of a trace: a CSV file (comma-separated; a header line or none; blank
 * lines and lines starting with "#" skipped) whose chosen column holds either timestamps in ms
 * (any origin: the first becomes time 0; they must not decrease) or gaps in ms (each >= 0; the
 * first arrival comes one gap after the start). Times are divided by the speed-up. The first line
 * is a header when one of its fields is not a number.
 *
 * The file is checked in full when loaded (one streaming pass: count, span, every error with its
 * line) and streamed again on each replay, so a long trace is never held in memory.
 */
export class TraceArrivals implements ArrivalProcess {
  readonly kind = 'trace';
  readonly meanRatePerS: number;
  readonly finite = true;
  readonly description: Readonly<Record<string, unknown>>;
  /** Arrivals in the trace, and the time of the last one after speed-up (ms). */
  readonly count: number;
  readonly spanMs: number;
  private readonly speedup: number;

  constructor(readonly options: TraceArrivalsOptions) {
    const speedup = options.speedup ?? 1;
    if (!(speedup > 0) || !Number.isFinite(speedup)) {
      throw new ArrivalConfigError(`trace file ${options.file}: speedup must be a positive number, got ${JSON.stringify(options.speedup)}`);
    }
    this.speedup = speedup;
    let count = 0;
    let last = 0;
    for (const t of this.times()) {
      count++;
      last = t;
    }
    if (count === 0) {
      throw new ArrivalConfigError(`trace file ${options.file}: no arrivals: the file has no data lines (a ${options.values} value per line in column ${describeColumn(options.column)})`);
    }
    this.count = count;
    this.spanMs = last;
    const intervals = options.values === 'timestamps' ? count - 1 : count;
    this.meanRatePerS = last > 0 ? (intervals * 1000) / last : 0;
    this.description = {
      kind: this.kind,
      file: options.file,
      values: options.values,
      column: options.column ?? 0,
      speedup,
      count,
      spanMs: last,
    };
  }

  *times(): Generator<number, undefined> {
    const { file, values } = this.options;
    const where = (line: number) => `trace file ${file}, line ${line}`;
    const { lines, first } = openLines(file);
    let lineNo = 0;
    let column = -1;
    let origin: number | undefined;
    let previous = -Infinity;
    let sum = 0;
    try {
      for (let item = first; !item.done; item = lines.next()) {
        lineNo++;
        const line = item.value;
        const trimmed = line.trim();
        if (trimmed === '' || trimmed.startsWith('#')) continue;
        const fields = line.split(',').map((f) => f.trim());
        if (column < 0) {
          const isHeader = fields.some((f) => !NUMBER.test(f));
          column = this.columnIndex(fields, isHeader, lineNo);
          if (isHeader) continue;
        }
        if (fields.length <= column) {
          throw new ArrivalConfigError(
            `${where(lineNo)}: has ${fields.length} field${fields.length === 1 ? '' : 's'}, but column ${describeColumn(this.options.column)} is field ${column + 1}`,
          );
        }
        const text = fields[column];
        if (!NUMBER.test(text)) {
          throw new ArrivalConfigError(`${where(lineNo)}: ${JSON.stringify(text)} is not a number of milliseconds (expected ${values} in ms)`);
        }
        const v = Number(text);
        if (values === 'timestamps') {
          if (v < previous) {
            throw new ArrivalConfigError(`${where(lineNo)}: timestamp ${v} is before the previous one, ${previous}: timestamps must not decrease (sort the file, or give gaps with values "gaps")`);
          }
          previous = v;
          origin ??= v;
          yield (v - origin) / this.speedup;
        } else {
          if (v < 0) throw new ArrivalConfigError(`${where(lineNo)}: gap ${v} is negative: gaps must be >= 0 ms`);
          sum += v;
          yield sum / this.speedup;
        }
      }
    } finally {
      lines.return(undefined);
    }
    return undefined;
  }

  private columnIndex(fields: readonly string[], isHeader: boolean, lineNo: number): number {
    const { column, file } = this.options;
    if (column === undefined) return 0;
    if (typeof column === 'number') return column;
    if (!isHeader) {
      throw new ArrivalConfigError(`trace file ${file}, line ${lineNo}: column "${column}" is named, but the file has no header line (its first line is all numbers): name the column in a header, or give its position as a number`);
    }
    const i = fields.indexOf(column);
    if (i < 0) throw new ArrivalConfigError(`trace file ${file}, line ${lineNo}: no column "${column}" in the header (columns: ${fields.join(', ')})`);
    return i;
  }
}

/** Starts walking the file's lines (the file is opened by the first next()), so that an unreadable file is reported as such. */
function openLines(file: string): { lines: Generator<string, undefined>; first: IteratorResult<string, undefined> } {
  try {
    const lines = textLines(file);
    return { lines, first: lines.next() };
  } catch (error) {
    throw new ArrivalConfigError(`trace file ${file}: cannot be read: ${(error as Error).message}`);
  }
}

function describeColumn(column: string | number | undefined): string {
  return typeof column === 'string' ? `"${column}"` : String(column ?? 0);
}
