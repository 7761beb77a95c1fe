import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { writeJsonAtomic } from '../atomic-write.ts';
import { parseBenchWorkload, type BenchWorkload } from '../../workloads/bench-workload.ts';
import { loadWorkload, resolveWorkloadPath, WorkloadError } from '../../workloads/workload-file.ts';
import type { FigureVariant, LatencyFigure } from './figures.ts';

/**
 * The workload file a figure runs: a copy of its named workload with the variant's changes
 * (measured seconds, warm-up, sweep values, systems) applied, written into the figure's run
 * directory so that the run records exactly what was measured and can be re-run with
 * `npm run bench -- --workload <that file>`.
 */
export interface FigureWorkload {
  readonly path: string;
  readonly bench: BenchWorkload;
  /** What differs from the named workload, in words (for the report). */
  readonly changes: readonly string[];
}

export interface FigureWorkloadOverrides {
  /** Measured seconds per system and point (beats the variant's). */
  readonly durationS?: number;
  readonly seed?: number;
}

export function writeFigureWorkload(figure: LatencyFigure, variant: FigureVariant, runDir: string, overrides: FigureWorkloadOverrides = {}): FigureWorkload {
  const source = resolveWorkloadPath(figure.workload);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(source, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new WorkloadError(`workload file ${source}: not valid JSON: ${(error as Error).message}`);
  }
  const changes: string[] = [];
  const out: Record<string, unknown> = { ...raw };
  if (typeof raw.models === 'string' && !isAbsolute(raw.models)) out.models = resolve(dirname(source), raw.models);
  const load = { ...(raw.load as Record<string, unknown>) };
  const durationS = overrides.durationS ?? variant.durationS;
  if (durationS !== null) {
    load.durationMs = Math.round(durationS * 1000);
    changes.push(`measured ${durationS} s per system and point (workload: ${Number((raw.load as Record<string, unknown>)?.durationMs) / 1000} s)`);
  }
  if (variant.warmupS !== null) {
    load.warmupMs = Math.round(variant.warmupS * 1000);
    changes.push(`warm-up ${variant.warmupS} s`);
  }
  out.load = load;
  if (variant.values !== null) {
    const sweep = raw.sweep as Record<string, unknown> | undefined;
    if (sweep === undefined) throw new WorkloadError(`figure ${figure.id}: values: the workload ${source} has no sweep to take values from; drop values or pick a sweep workload`);
    out.sweep = { ...sweep, values: [...variant.values] };
    changes.push(`${String(sweep.parameter)} = ${variant.values.join(', ')} (workload: ${(sweep.values as number[]).join(', ')})`);
  }
  if (figure.systems !== null) {
    out.systems = [...figure.systems];
    changes.push(`systems ${figure.systems.join(', ')}`);
  }
  if (overrides.seed !== undefined) {
    out.seed = overrides.seed;
    changes.push(`seed ${overrides.seed}`);
  }
  out.description = `${String(raw.description ?? '')} [reproduce ${figure.id}: ${changes.length > 0 ? changes.join('; ') : 'as the workload file'}]`;
  const path = join(runDir, 'workload.json');
  writeJsonAtomic(path, out);
  const bench = parseBenchWorkload(loadWorkload(path));
  return { path, bench, changes };
}
