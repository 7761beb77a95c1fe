import { markdownTable, percent } from './format.ts';
import { metricDefinition } from './compare-metrics.ts';
import type { SeriesAnalysis, SeriesRegression } from './nightly-trends.ts';
import type { NightlySuite } from './nightly-suite.ts';

/** The nightly summary (nightly.md): what ran, confirmed regressions, every series' latest figure and change points. */
export interface NightlyRunOutcome {
  readonly name: string;
  readonly dir: string | null;
  readonly status: 'ok' | 'partial' | 'failed' | 'not run (dry run)';
  readonly detail: string;
}

export interface NightlySummaryInput {
  readonly startedAt: string;
  readonly gitSha: string;
  readonly suite: NightlySuite;
  readonly historyPath: string;
  readonly historyLines: number;
  readonly runs: readonly NightlyRunOutcome[];
  readonly series: readonly SeriesAnalysis[];
  readonly charts: readonly string[];
  readonly chartNote: string | null;
}

function figure(s: Pick<SeriesAnalysis, 'unit'>, v: number): string {
  return s.unit === 'ms' ? `${v.toFixed(2)} ms` : percent(v);
}

function changeText(s: SeriesAnalysis, r: SeriesRegression): string {
  return metricDefinition(s.metric).change === 'difference' ? `${r.change >= 0 ? '+' : ''}${(r.change * 100).toFixed(2)} pp` : `${r.change >= 0 ? '+' : ''}${(r.change * 100).toFixed(1)}%`;
}

export function nightlyMarkdown(input: NightlySummaryInput): string {
  const regressions = input.series.flatMap((s) => s.regressions.map((r) => ({ s, r })));
  const failed = input.runs.filter((r) => r.status === 'failed');
  const head = regressions.length > 0 ? `${regressions.length} confirmed regression${regressions.length === 1 ? '' : 's'}` : failed.length > 0 ? `${failed.length} run(s) failed` : 'no confirmed regression';
  const cp = input.suite.changePoints;
  const lines = [
    `## parm-bench nightly: ${head}`,
    '',
    `Started ${input.startedAt}, git ${input.gitSha.slice(0, 10)}; suite \`${input.suite.path}\`; history \`${input.historyPath}\` (${input.historyLines} lines).`,
    '',
    `Change points: binary segmentation on the mean of each series (suite run, system, figure, configuration) over its whole history, each split kept when a permutation test (${cp.permutations} shuffles) gives p <= ${cp.alpha}; at least ${cp.minSegment} runs on either side. ` +
      `A confirmed regression is a change point among the last ${cp.recentRuns} runs whose later level is worse than the earlier one by more than ${percent(input.suite.minEffect, 0)} (lost queries: any rise) and still is at the latest run.`,
    '',
    markdownTable(['suite run', 'status', 'details'], input.runs.map((r) => [r.name, r.status, r.detail])),
    '',
  ];
  if (regressions.length > 0) {
    lines.push('### Confirmed regressions', '');
    lines.push(
      markdownTable(
        ['suite run', 'system', 'figure', 'before', 'after', 'change', 'p', 'first run after', 'git before -> after'],
        regressions.map(({ s, r }) => [
          s.run,
          s.system,
          metricDefinition(s.metric).label,
          figure(s, r.changePoint.before.mean),
          figure(s, r.changePoint.after.mean),
          changeText(s, r),
          r.changePoint.pValue.toFixed(4),
          `${r.firstBadRun.nightly} (#${r.changePoint.index + 1})`,
          `${r.lastGoodRun.gitSha.slice(0, 10)} -> ${r.firstBadRun.gitSha.slice(0, 10)}`,
        ]),
      ),
      '',
    );
  }
  lines.push('### Series', '');
  lines.push(
    markdownTable(
      ['suite run', 'system', 'figure', 'runs', 'latest', 'latest interval', 'change points (run #, p)', 'note'],
      input.series.map((s) => {
        const last = s.points[s.points.length - 1];
        const notes: string[] = [];
        if (s.skipped > 0) notes.push(`${s.skipped} run(s) without a finite figure left out`);
        if (last && !last.enoughSamples) notes.push('latest run too short to claim this percentile');
        if (last && !last.valid) notes.push('latest run INVALID');
        if (s.regressions.length > 0) notes.push('**REGRESSION**');
        return [
          s.run,
          s.system,
          metricDefinition(s.metric).label,
          String(s.points.length),
          last ? figure(s, last.value) : 'n/a',
          last?.ci ? `[${figure(s, last.ci[0])}, ${figure(s, last.ci[1])}]` : 'n/a',
          s.changePoints.map((c) => `#${c.index + 1} (${c.pValue.toFixed(3)})`).join(', ') || '-',
          notes.join('; ') || '-',
        ];
      }),
    ),
    '',
  );
  if (input.charts.length > 0) lines.push('### Trend charts', '', ...input.charts.map((c) => `- \`${c}\``), '');
  if (input.chartNote) lines.push(input.chartNote, '');
  return lines.join('\n');
}
