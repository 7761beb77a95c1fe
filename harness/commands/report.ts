import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ACCURACY_REPORT_SCHEMA, type AccuracyReport } from '../accuracy-evaluation.ts';
import { writeAccuracyReportFiles } from '../../reports/accuracy-run-report.ts';
import { writeRunReport } from '../../reports/run-report.ts';
import { readSweepResults, writeSweepReport } from '../../reports/sweep-run-report.ts';

export interface ReportCommandOptions {
  /** Bootstrap resamples (default 1000). */
  resamples?: number;
}

/**
 * `parm-bench report <dir>`: (re)writes the report files of a directory written earlier: a bench
 * run (results.json), a sweep (sweep.json; each point too) or an accuracy report (accuracy.json).
 * Returns the files written, relative to the directory.
 */
export async function reportCommand(dir: string, options: ReportCommandOptions = {}): Promise<string[]> {
  const root = resolve(dir);
  if (!existsSync(root)) throw new Error(`${root}: no such directory; give a run directory written by \`parm-bench bench\` or \`parm-bench accuracy\``);
  const written: string[] = [];
  if (existsSync(join(root, 'sweep.json'))) {
    const sweep = readSweepResults(root);
    for (const p of sweep.points) {
      process.stderr.write(`point ${p.dir}\n`);
      const files = (await writeRunReport(join(root, p.dir), { resamples: options.resamples })).files;
      written.push(...files.map((f) => `${p.dir}/${f}`));
    }
    written.push(...(await writeSweepReport(root)));
  } else if (existsSync(join(root, 'results.json'))) {
    written.push(...(await writeRunReport(root, { resamples: options.resamples })).files);
  } else if (existsSync(join(root, 'accuracy.json'))) {
    const report = JSON.parse(readFileSync(join(root, 'accuracy.json'), 'utf8')) as AccuracyReport;
    if (report.schema !== ACCURACY_REPORT_SCHEMA) {
      throw new Error(`${join(root, 'accuracy.json')}: schema: expected ${JSON.stringify(ACCURACY_REPORT_SCHEMA)} (written by \`parm-bench accuracy\`), got ${JSON.stringify(report.schema)}`);
    }
    written.push(...(await writeAccuracyReportFiles(root, report)));
  } else {
    throw new Error(`${root}: holds no results.json, sweep.json or accuracy.json; give a directory written by \`parm-bench bench\` or \`parm-bench accuracy\``);
  }
  process.stdout.write(`wrote in ${root}:\n  ${written.join('\n  ')}\n`);
  return written;
}
