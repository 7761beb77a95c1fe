import { writeFileAtomic } from '../atomic-write.ts';
import { CompareInputError, readRunDirectory } from '../../reports/compare-run-directory.ts';
import { compareRuns, DEFAULT_COMPARE_OPTIONS, type RunComparison } from '../../reports/compare-runs.ts';
import { COMPARE_FORMATS, formatComparison, type CompareFormat } from '../../reports/compare-report.ts';

export interface CompareCommandOptions {
  format?: string;
  out?: string;
  confidence?: number;
  minEffect?: number;
  resamples?: number;
  seed?: number;
  /** Say nothing on stderr (tests). */
  quiet?: boolean;
}

/** Exit codes: 0 no regression, 1 a regression, 2 bad input. */
export const COMPARE_EXIT = { ok: 0, regression: 1, badInput: 2 } as const;

export interface CompareOutcome {
  readonly comparison: RunComparison;
  readonly output: string;
  readonly exitCode: number;
}

/** `compare RUN_A RUN_B`: B against A; prints the report, writes it to --out, exit code 1 on a regression. */
export function compareCommand(runA: string, runB: string, options: CompareCommandOptions = {}): CompareOutcome {
  const format = (options.format ?? 'markdown') as CompareFormat;
  if (!COMPARE_FORMATS.includes(format)) throw new CompareInputError(`--format: expected one of ${COMPARE_FORMATS.join(', ')}, got "${options.format}"`);
  const a = readRunDirectory(runA);
  const b = readRunDirectory(runB);
  const comparison = compareRuns(
    a,
    b,
    {
      confidence: options.confidence ?? DEFAULT_COMPARE_OPTIONS.confidence,
      minEffect: options.minEffect ?? DEFAULT_COMPARE_OPTIONS.minEffect,
      resamples: options.resamples ?? DEFAULT_COMPARE_OPTIONS.resamples,
      seed: options.seed ?? DEFAULT_COMPARE_OPTIONS.seed,
    },
    (point, system) => {
      if (!options.quiet) process.stderr.write(`compare: bootstrapping ${point ? `${point}, ` : ''}${system}\n`);
    },
  );
  const output = formatComparison(comparison, format);
  if (options.out) writeFileAtomic(options.out, output);
  return { comparison, output, exitCode: comparison.regressions > 0 ? COMPARE_EXIT.regression : COMPARE_EXIT.ok };
}
