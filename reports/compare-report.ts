import { basename } from 'node:path';
import { markdownTable, percent, textTable } from './format.ts';
import type { MetricComparison, PointComparison, RunComparison, RunSide } from './compare-runs.ts';

/** `compare` output: Markdown (for a CI comment), plain text, or JSON. */
export type CompareFormat = 'markdown' | 'text' | 'json';
export const COMPARE_FORMATS: readonly CompareFormat[] = ['markdown', 'text', 'json'];

function value(m: MetricComparison, v: number | null): string {
  if (v === null) return m.unit === 'ms' && m.verdict !== 'n/a' ? 'inf' : 'n/a';
  return m.unit === 'ms' ? v.toFixed(2) : percent(v);
}

function signedPercent(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '+inf' : x < 0 ? '-inf' : 'n/a';
  const s = (x * 100).toFixed(1);
  return x >= 0 ? `+${s}%` : `${s}%`;
}

function signedPoints(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  const s = (x * 100).toFixed(2);
  return x >= 0 ? `+${s} pp` : `${s} pp`;
}

function changeText(m: MetricComparison, x: number): string {
  return m.change === 'ratio' ? signedPercent(x - 1) : signedPoints(x);
}

function row(m: MetricComparison, markdown: boolean): string[] {
  const verdict = m.verdict === 'regression' ? (markdown ? '**REGRESSION**' : 'REGRESSION') : m.verdict;
  return [
    m.system,
    m.label,
    value(m, m.a),
    value(m, m.b),
    m.value === null ? 'n/a' : changeText(m, m.value),
    m.ci === null ? 'n/a' : `[${changeText(m, m.ci[0])}, ${changeText(m, m.ci[1])}]`,
    verdict,
  ];
}

function header(c: RunComparison): string[] {
  return ['system', 'figure', 'A', 'B', 'change', `${trim(c.rule.confidence * 100)}% CI`, 'verdict'];
}

function trim(x: number): string {
  return String(Number(x.toPrecision(6)));
}

function describe(s: RunSide): string {
  return `${s.workload}, ${s.createdAt}${s.gitSha ? `, git ${s.gitSha.slice(0, 10)}` : ''}${s.configHash ? `, config ${s.configHash}` : ''}${s.partial ? ', PARTIAL' : ''}`;
}

function pairingText(p: PointComparison): string {
  const paired = p.pairing.filter((x) => x.paired).map((x) => x.system);
  const independent = p.pairing.filter((x) => !x.paired).map((x) => x.system);
  const parts: string[] = [];
  if (paired.length > 0) parts.push(`paired by query id for ${paired.join(', ')} (same configuration and the same measured queries: the identical schedule)`);
  if (independent.length > 0) parts.push(`independent for ${independent.join(', ')} (${p.sameConfiguration ? 'the measured queries differ' : 'the configurations differ'})`);
  return parts.join('; ') || 'nothing compared';
}

function notes(p: PointComparison): string[] {
  return p.metrics.filter((m) => m.note !== null).map((m) => `${m.system}, ${m.label}: ${m.note}`);
}

function headline(c: RunComparison): string {
  const r = c.regressions;
  const i = c.improvements;
  if (r > 0) return `${r} regression${r === 1 ? '' : 's'}${i > 0 ? `, ${i} improvement${i === 1 ? '' : 's'}` : ''}`;
  if (i > 0) return `no regression, ${i} improvement${i === 1 ? '' : 's'}`;
  return 'no change';
}

export function comparisonMarkdown(c: RunComparison): string {
  const lines = [`## parm-bench compare: ${headline(c)}`, ''];
  const first = c.points[0];
  lines.push(`- **A** \`${basename(c.a)}\`: ${describe(first.a)}`);
  lines.push(`- **B** \`${basename(c.b)}\`: ${describe(first.b)}`);
  lines.push(`- Verdict rule: ${c.rule.text}`);
  lines.push(`- Interval: ${c.rule.interval}; latency from each query's scheduled send time, percentiles linear-interpolated over the per-query records.`);
  for (const w of c.warnings) lines.push(`- :warning: ${w}`);
  for (const p of c.points) {
    lines.push('');
    if (p.point !== null) lines.push(`### ${p.point}`, '');
    lines.push(`Resampling: ${pairingText(p)}.`, '');
    lines.push(markdownTable(header(c), p.metrics.map((m) => row(m, true))));
    const extra = [...p.warnings.map((w) => `:warning: ${w}`), ...notes(p)];
    if (extra.length > 0) lines.push('', ...extra.map((n) => `- ${n}`));
  }
  lines.push('');
  return lines.join('\n');
}

export function comparisonText(c: RunComparison): string {
  const lines = [`parm-bench compare: ${headline(c)}`, `A ${c.a}: ${describe(c.points[0].a)}`, `B ${c.b}: ${describe(c.points[0].b)}`, `rule: ${c.rule.text}`, `interval: ${c.rule.interval}`];
  for (const w of c.warnings) lines.push(`WARNING: ${w}`);
  for (const p of c.points) {
    lines.push('');
    if (p.point !== null) lines.push(`== ${p.point} ==`);
    lines.push(`resampling: ${pairingText(p)}`);
    lines.push(textTable(header(c), p.metrics.map((m) => row(m, false))));
    for (const w of p.warnings) lines.push(`WARNING: ${w}`);
    for (const n of notes(p)) lines.push(`note: ${n}`);
  }
  return lines.join('\n') + '\n';
}

export function formatComparison(c: RunComparison, format: CompareFormat): string {
  if (format === 'json') return JSON.stringify(c, null, 2) + '\n';
  return format === 'text' ? comparisonText(c) : comparisonMarkdown(c);
}
