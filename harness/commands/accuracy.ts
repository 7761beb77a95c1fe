import { join, resolve } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../atomic-write.ts';
import { evaluateAccuracy, type AccuracyReport } from '../accuracy-evaluation.ts';
import { DatasetError } from '../../workloads/datasets/dataset-error.ts';
import { loadDataset } from '../../workloads/datasets/load-dataset.ts';
import type { ImageDataset } from '../../workloads/datasets/dataset.ts';
import { loadModelSet } from '../../workloads/models/model-set.ts';
import { loadWorkload } from '../../workloads/workload-file.ts';
import { accuracyReportMarkdown, accuracyReportText } from '../../reports/accuracy-report.ts';
import { writeAccuracyReportFiles } from '../../reports/accuracy-run-report.ts';

export interface AccuracyCommandOptions {
  workload: string;
  /** A model-set manifest to use instead of the workload's (bring your own model). */
  models?: string;
  dataDir?: string;
  /** Output folder; default runs/accuracy-<workload>-<time>/ under the current directory. */
  out?: string;
  /** Print the JSON report to stdout instead of the table. */
  json?: boolean;
}

export async function accuracyCommand(options: AccuracyCommandOptions): Promise<AccuracyReport> {
  const workload = loadWorkload(options.workload);
  const set = loadModelSet(options.models ?? workload.models);
  const datasetName = set.dataset;
  process.stderr.write(`loading the ${datasetName} test split\n`);
  const test = await loadDataset(datasetName, 'test', { dataDir: options.dataDir });
  let train: ImageDataset | undefined;
  let trainUnavailableReason: string | undefined;
  try {
    train = await loadDataset(datasetName, 'train', { dataDir: options.dataDir });
  } catch (error) {
    if (!(error instanceof DatasetError)) throw error;
    trainUnavailableReason = `the training split, which picks the default class, could not be read: ${error.message.split('\n')[0]}`;
  }
  const report = await evaluateAccuracy({
    workload: workload.name,
    set,
    test,
    ...(train ? { train } : {}),
    ...(trainUnavailableReason ? { trainUnavailableReason } : {}),
    onProgress: (m) => process.stderr.write(`  ${m}\n`),
  });
  const stamp = report.createdAt.replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const outDir = resolve(options.out ?? join('runs', `accuracy-${workload.name}-${stamp}`));
  writeJsonAtomic(join(outDir, 'accuracy.json'), report);
  writeFileAtomic(join(outDir, 'accuracy.md'), accuracyReportMarkdown(report));
  await writeAccuracyReportFiles(outDir, report);
  if (options.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else process.stdout.write(accuracyReportText(report) + '\n');
  process.stderr.write(`\nwrote ${join(outDir, 'accuracy.json')}, accuracy.md, report.html and charts/\n`);
  return report;
}
