import type { Claim, Verdict } from '../harness/reproduce/claims.ts';
import { markdownTable } from './format.ts';

/**
 * The claims table of `npm run reproduce`: the paper's claim, what the paper reports, our
 * measurement with its 95% interval, the verdict and the run directory; then each claim's rule
 * and notes (INVALID or missing points).
 */
export const CLAIMS_SCHEMA = 'parm-bench/claims@1';

export interface ClaimsReport {
  readonly schema: typeof CLAIMS_SCHEMA;
  readonly createdAt: string;
  readonly quick: boolean;
  readonly partial: boolean;
  readonly claims: readonly Claim[];
}

const HEADER = ['figure', 'claim', 'paper', 'ours [95% CI]', 'verdict', 'run dir'];

function rows(claims: readonly Claim[], shortDir: (dir: string) => string): string[][] {
  return claims.map((c) => [c.figure, c.claim, c.paper, c.ours, c.verdict, shortDir(c.runDir)]);
}

export function verdictCounts(claims: readonly Claim[]): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { holds: 0, 'does not hold': 0, inconclusive: 0, reported: 0 };
  for (const c of claims) counts[c.verdict]++;
  return counts;
}

function summary(report: ClaimsReport): string {
  const n = verdictCounts(report.claims);
  return `${n.holds} hold, ${n['does not hold']} do not hold, ${n.inconclusive} inconclusive, ${n.reported} reported${report.quick ? ' (quick: shorter runs, wider intervals)' : ''}${report.partial ? ' — PARTIAL: stopped before every point was measured' : ''}`;
}

function ruleLines(claims: readonly Claim[]): string[] {
  const out: string[] = [];
  claims.forEach((c, i) => {
    out.push(`[${i + 1}] ${c.figure} "${c.claim}": ${c.rule}`);
    for (const note of c.notes) out.push(`    note: ${note}`);
  });
  return out;
}

/** A run directory relative to `baseDir` ("." for the base itself), else as it is. */
function relativeTo(baseDir: string | undefined): (dir: string) => string {
  return (d) => (baseDir === undefined ? d : d === baseDir ? '.' : d.startsWith(baseDir + '/') ? d.slice(baseDir.length + 1) : d);
}

/** Columns padded to their widest cell, all left-aligned (the cells are sentences, not numbers). */
function leftAlignedTable(header: readonly string[], body: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** The console table. Run directories are shown relative to `baseDir` when inside it. */
export function claimsText(report: ClaimsReport, baseDir?: string): string {
  const numbered = report.claims.map((c, i) => ({ ...c, figure: `[${i + 1}] ${c.figure}` }));
  const where = baseDir === undefined ? [] : [`run dir relative to ${baseDir}`];
  return [`Claims: ${summary(report)}`, ...where, leftAlignedTable(HEADER, rows(numbered, relativeTo(baseDir))), '', 'Rules and notes:', ...ruleLines(report.claims)].join('\n');
}

export function claimsMarkdown(report: ClaimsReport, baseDir?: string): string {
  const shortDir = relativeTo(baseDir);
  return [
    `# parm-bench reproduce: claims${report.partial ? ' (PARTIAL)' : ''}`,
    '',
    `Created ${report.createdAt}. ${summary(report)}.`,
    '',
    markdownTable(HEADER, rows(report.claims, shortDir).map((r) => [...r.slice(0, 5), `\`${r[5]}\``])),
    '',
    '## Rules and notes',
    '',
    ...report.claims.flatMap((c, i) => [`${i + 1}. **${c.figure}: ${c.claim}** — ${c.rule}`, ...c.notes.map((n) => `   - ${n}`)]),
    '',
  ].join('\n');
}
