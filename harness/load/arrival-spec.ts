import { isAbsolute, resolve } from 'node:path';
import { ArrivalConfigError, type ArrivalProcess } from './arrival-process.ts';
import { BurstyArrivals } from './bursty-arrivals.ts';
import { ConstantArrivals } from './constant-arrivals.ts';
import { DiurnalArrivals } from './diurnal-arrivals.ts';
import { PoissonArrivals } from './poisson-arrivals.ts';
import { StepArrivals } from './step-arrivals.ts';
import { TraceArrivals } from './trace-arrivals.ts';

/**
 * Arrival processes as written in a workload file or on the command line (JSON). Rates are in
 * queries per second, times in ms.
 *
 *   {"kind":"poisson","rate":300}
 *   {"kind":"constant","rate":300}
 *   {"kind":"bursty","burstRate":900,"baseRate":100,"burstMs":200,"baseMs":800}   (baseRate 0: on/off)
 *   {"kind":"steps","steps":[{"atMs":0,"rate":100},{"atMs":10000,"rate":400}]}
 *   {"kind":"diurnal","minRate":50,"maxRate":400,"periodMs":60000}
 *   {"kind":"trace","file":"traces/a.csv","values":"timestamps","column":"ts","speedup":2}
 */
export type ArrivalSpec =
  | { readonly kind: 'poisson'; readonly rate: number }
  | { readonly kind: 'constant'; readonly rate: number }
  | { readonly kind: 'bursty'; readonly burstRate: number; readonly baseRate: number; readonly burstMs: number; readonly baseMs: number }
  | { readonly kind: 'steps'; readonly steps: readonly { readonly atMs: number; readonly rate: number }[] }
  | { readonly kind: 'diurnal'; readonly minRate: number; readonly maxRate: number; readonly periodMs: number }
  | {
      readonly kind: 'trace';
      readonly file: string;
      readonly values: 'timestamps' | 'gaps';
      readonly column?: string | number;
      readonly speedup?: number;
    };

export type ArrivalKind = ArrivalSpec['kind'];

const KEYS: Readonly<Record<ArrivalKind, readonly string[]>> = {
  poisson: ['kind', 'rate'],
  constant: ['kind', 'rate'],
  bursty: ['kind', 'burstRate', 'baseRate', 'burstMs', 'baseMs'],
  steps: ['kind', 'steps'],
  diurnal: ['kind', 'minRate', 'maxRate', 'periodMs'],
  trace: ['kind', 'file', 'values', 'column', 'speedup'],
};

export const ARRIVAL_KINDS = Object.keys(KEYS) as ArrivalKind[];

const EXAMPLE = '{"kind":"poisson","rate":300}';

/**
 * Checks a parsed JSON value and returns it as a spec. `source` says where it came from (e.g.
 * "workload file w.json: arrivals"); errors name the field: "arrivals.steps[2].atMs: ...".
 */
export function parseArrivalSpec(value: unknown, source = 'arrivals'): ArrivalSpec {
  const v = asObject(value, source, `an arrival spec such as ${EXAMPLE}`);
  const kind = v.kind;
  if (typeof kind !== 'string' || !(kind in KEYS)) {
    throw new ArrivalConfigError(`${source}.kind: must be one of ${ARRIVAL_KINDS.map((k) => `"${k}"`).join(', ')}, got ${JSON.stringify(kind)}`);
  }
  const k = kind as ArrivalKind;
  for (const key of Object.keys(v)) {
    if (!KEYS[k].includes(key)) {
      throw new ArrivalConfigError(`${source}.${key}: unknown field for kind "${k}" (fields: ${KEYS[k].join(', ')})`);
    }
  }
  const num = (key: string, ok: (n: number) => boolean, what: string, fallback?: number): number =>
    numberField(v, key, `${source}.${key}`, ok, what, fallback);
  const rate = (key: string) => num(key, (n) => n > 0, 'a positive number of queries per second');
  const ms = (key: string) => num(key, (n) => n > 0, 'a positive number of milliseconds');
  switch (k) {
    case 'poisson':
    case 'constant':
      return { kind: k, rate: rate('rate') };
    case 'bursty':
      return {
        kind: k,
        burstRate: rate('burstRate'),
        baseRate: num('baseRate', (n) => n >= 0, 'a number of queries per second >= 0 (0: no arrivals between bursts)', 0),
        burstMs: ms('burstMs'),
        baseMs: ms('baseMs'),
      };
    case 'steps': {
      const list = v.steps;
      if (!Array.isArray(list) || list.length === 0) {
        throw new ArrivalConfigError(`${source}.steps: must be a non-empty list of {"atMs": ..., "rate": ...}, the first at atMs 0, got ${JSON.stringify(list)}`);
      }
      const steps = list.map((item, i) => {
        const at = `${source}.steps[${i}]`;
        const s = asObject(item, at, '{"atMs": ..., "rate": ...}');
        for (const key of Object.keys(s)) {
          if (key !== 'atMs' && key !== 'rate') throw new ArrivalConfigError(`${at}.${key}: unknown field (fields: atMs, rate)`);
        }
        return {
          atMs: numberField(s, 'atMs', `${at}.atMs`, (n) => n >= 0, 'a number of milliseconds >= 0'),
          rate: numberField(s, 'rate', `${at}.rate`, (n) => n >= 0, 'a number of queries per second >= 0'),
        };
      });
      if (steps[0].atMs !== 0) throw new ArrivalConfigError(`${source}.steps[0].atMs: must be 0 (the rate from the start of the run), got ${steps[0].atMs}`);
      for (let i = 1; i < steps.length; i++) {
        if (!(steps[i].atMs > steps[i - 1].atMs)) {
          throw new ArrivalConfigError(`${source}.steps[${i}].atMs: must be after steps[${i - 1}].atMs (${steps[i - 1].atMs}), got ${steps[i].atMs}: list steps in time order`);
        }
      }
      if (steps.every((s) => s.rate === 0)) throw new ArrivalConfigError(`${source}.steps: every rate is 0, so no query would ever be sent`);
      return { kind: k, steps };
    }
    case 'diurnal': {
      const minRate = num('minRate', (n) => n >= 0, 'a number of queries per second >= 0');
      const maxRate = rate('maxRate');
      if (maxRate < minRate) throw new ArrivalConfigError(`${source}.maxRate: must be >= minRate (${minRate}), got ${maxRate}`);
      return { kind: k, minRate, maxRate, periodMs: ms('periodMs') };
    }
    case 'trace': {
      const file = v.file;
      if (typeof file !== 'string' || file.length === 0) {
        throw new ArrivalConfigError(`${source}.file: must be the path of a CSV file of arrival times, got ${JSON.stringify(file)}`);
      }
      const values = v.values;
      if (values !== 'timestamps' && values !== 'gaps') {
        throw new ArrivalConfigError(`${source}.values: must be "timestamps" (send times in ms) or "gaps" (ms between sends), got ${JSON.stringify(values)}`);
      }
      const column = v.column;
      if (column !== undefined && !(typeof column === 'string' && column.length > 0) && !(typeof column === 'number' && Number.isInteger(column) && column >= 0)) {
        throw new ArrivalConfigError(`${source}.column: must be a header name or a 0-based column number, got ${JSON.stringify(column)}`);
      }
      const speedup = num('speedup', (n) => n > 0, 'a positive number (2: replay twice as fast)', 1);
      return { kind: k, file, values, ...(column === undefined ? {} : { column }), speedup };
    }
  }
}

export interface CreateArrivalOptions {
  /** Seed of the random processes (unused by constant and trace arrivals). */
  readonly seed: number;
  /** A relative trace path is resolved from here (e.g. the workload file's folder); default: the working directory. */
  readonly baseDir?: string;
  /** Where the spec came from, for error messages. */
  readonly source?: string;
}

/** Checks `spec` (parsed JSON or a typed spec) and makes its arrival process. */
export function createArrivalProcess(spec: unknown, options: CreateArrivalOptions): ArrivalProcess {
  const s = parseArrivalSpec(spec, options.source);
  const { seed } = options;
  switch (s.kind) {
    case 'poisson':
      return new PoissonArrivals(s.rate, seed);
    case 'constant':
      return new ConstantArrivals(s.rate);
    case 'bursty':
      return new BurstyArrivals(s, seed);
    case 'steps':
      return new StepArrivals(s.steps, seed);
    case 'diurnal':
      return new DiurnalArrivals(s, seed);
    case 'trace': {
      const file = isAbsolute(s.file) ? s.file : resolve(options.baseDir ?? '.', s.file);
      return new TraceArrivals({ ...s, file });
    }
  }
}

function asObject(value: unknown, at: string, expected: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ArrivalConfigError(`${at}: must be ${expected}, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

function numberField(
  v: Record<string, unknown>,
  key: string,
  at: string,
  ok: (n: number) => boolean,
  what: string,
  fallback?: number,
): number {
  const n = v[key];
  if (n === undefined && fallback !== undefined) return fallback;
  if (typeof n !== 'number' || !Number.isFinite(n) || !ok(n)) {
    throw new ArrivalConfigError(`${at}: must be ${what}, got ${n === undefined ? 'nothing' : JSON.stringify(n)}`);
  }
  return n;
}
