import type { AccuracyReport } from '../harness/accuracy-evaluation.ts';
import { markdownTable, percent, textTable } from './format.ts';

/** Rows of the main table: one per way of answering a query. */
export function accuracyRows(report: AccuracyReport): string[][] {
  const rows: string[][] = [['deployed model F (available)', percent(report.deployed.accuracy), '100.00%', String(report.deployed.count)]];
  for (const p of report.parity) {
    rows.push([`ParM k=${p.k} ${p.encoder} (reconstruction)`, percent(p.accuracy), percent(p.agreement), String(p.reconstructions)]);
  }
  const b = report.baselines.backup;
  rows.push(b.available ? ['approximate backup', percent(b.accuracy), percent(b.agreement), String(report.dataset.count)] : ['approximate backup', 'n/a', 'n/a', '-']);
  const d = report.baselines.defaultPrediction;
  rows.push(
    d.available
      ? [`default prediction (class ${d.class}: ${d.className})`, percent(d.accuracy), percent(d.agreement), String(report.dataset.count)]
      : ['default prediction', 'n/a', 'n/a', '-'],
  );
  return rows;
}

export const MAIN_HEADER = ['answer', 'accuracy (true label)', 'agreement with F', 'predictions'];

export function overallRows(report: AccuracyReport, fractions: readonly number[]): string[][] {
  const index = fractions.map((f) => report.overall.fractions.indexOf(f));
  return report.overall.series.map((s) => [s.label, ...index.map((i) => percent(s.accuracy[i]))]);
}

function notes(report: AccuracyReport): string[] {
  const out: string[] = [];
  const b = report.baselines.backup;
  if (!b.available) out.push(`approximate backup: n/a (${b.reason})`);
  const d = report.baselines.defaultPrediction;
  if (!d.available) out.push(`default prediction: n/a (${d.reason})`);
  else out.push(`default prediction: ${d.basis}`);
  return out;
}

export function accuracyReportText(report: AccuracyReport): string {
  const shown = [0, 0.1, 0.2, 0.5, 1].filter((f) => report.overall.fractions.includes(f));
  return [
    `Accuracy: workload ${report.workload}, models ${report.modelSet.name}, ${report.dataset.name} test set (${report.dataset.count} images)`,
    '',
    textTable(MAIN_HEADER, accuracyRows(report)),
    '',
    'Overall accuracy when a fraction f of predictions is unavailable: A(f) = (1 - f) * A_F + f * A_path',
    textTable(['path', ...shown.map((f) => `f=${f}`)], overallRows(report, shown)),
    '',
    ...notes(report),
  ].join('\n');
}

export function accuracyReportMarkdown(report: AccuracyReport): string {
  const fractions = report.overall.fractions;
  return [
    `# Accuracy: ${report.workload}`,
    '',
    `Model set **${report.modelSet.name}** (\`${report.modelSet.manifest}\`), evaluated on the ${report.dataset.name} test set ` +
      `(${report.dataset.count} images, checksum \`${report.dataset.checksum.slice(0, 16)}…\`).`,
    '',
    'Degraded-mode accuracy follows the ParM paper: the test set in its fixed order is cut into consecutive coding groups of k; ' +
      'each position of each group is erased in turn and decoded from the parity output and the other k - 1 outputs.',
    '',
    markdownTable(MAIN_HEADER, accuracyRows(report)),
    '',
    '## Overall accuracy against the unavailable fraction',
    '',
    'A(f) = (1 - f) · A_F + f · A_path, where A_F is the deployed model\'s accuracy.',
    '',
    markdownTable(['path', ...fractions.map((f) => `f=${f}`)], overallRows(report, fractions)),
    '',
    ...notes(report).map((n) => `- ${n}`),
    '',
    `Generated ${report.createdAt} in ${report.seconds.toFixed(1)} s.`,
    '',
  ].join('\n');
}
