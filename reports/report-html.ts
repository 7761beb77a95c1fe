import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { assertChartSpec, type ChartSpec } from './charts/chart-spec.ts';
import type { ReportDocument } from './report-document.ts';

/**
 * A report document as one self-contained HTML file: styles, chart.js (its UMD build, licence
 * header kept) and the project's chart runtime (reports/charts/chart-runtime.js) are inlined,
 * and the chart specs are embedded as JSON, so the page draws its charts offline from a file://
 * URL with nothing beside it. The body gets data-charts-drawn="<n>" once the charts are drawn.
 */

const require = createRequire(import.meta.url);

let chartJsSource: string | undefined;
let runtimeSource: string | undefined;

/** chart.js' UMD bundle (defines the global Chart), with its licence comment. */
function chartJs(): string {
  // The package exports only its module entries; the UMD bundle sits beside them in dist/.
  chartJsSource ??= readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
  if (!chartJsSource.startsWith('/*!')) throw new Error('chart.js/dist/chart.umd.min.js: expected it to start with its licence comment (/*! ... */); the installed chart.js changed: check the file');
  return chartJsSource;
}

function chartRuntime(): string {
  runtimeSource ??= readFileSync(new URL('./charts/chart-runtime.js', import.meta.url), 'utf8');
  return runtimeSource;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JavaScript for inside a <script> element: "</script" (any case) and "<!--" cannot end or confuse it (both only occur inside strings or regular expressions, where the backslash changes nothing). */
function scriptText(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** JSON for inside a <script> element: every "<" written as \u003c (still the same JSON). */
function jsonScriptText(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const STYLE = `
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ddd; } h3 { font-size: 1.05rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; } th { background: #f3f3f3; }
td.text { text-align: left; }
p.note, figcaption { color: #555; font-size: 0.88rem; }
figure { margin: 1rem 0 2rem; } canvas { border: 1px solid #eee; max-width: 100%; }
.verdict-VALID { color: #1a7f37; } .verdict-INVALID { color: #b42318; }
`;

export function reportHtml(doc: ReportDocument): string {
  const specs: ChartSpec[] = [];
  const body: string[] = [`<h1>${escapeHtml(doc.title)}</h1>`];
  for (const block of doc.blocks) {
    switch (block.kind) {
      case 'heading':
        body.push(`<h2>${escapeHtml(block.text)}</h2>`);
        break;
      case 'paragraph':
        body.push(`<p>${escapeHtml(block.text)}</p>`);
        break;
      case 'list':
        body.push(`<ul>${block.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`);
        break;
      case 'table': {
        const t = block.table;
        const verdict = /^Verdict: (VALID|INVALID)/.exec(t.title);
        body.push(`<h3${verdict ? ` class="verdict-${verdict[1]}"` : ''}>${escapeHtml(t.title)}</h3>`);
        if (t.note) body.push(`<p class="note">${escapeHtml(t.note)}</p>`);
        const numeric = (s: string) => /^[-+]?[\d.,]+( |%|$)/.test(s) || s === '∞' || s === 'n/a';
        body.push(
          '<table>',
          `<thead><tr>${t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>`,
          '<tbody>',
          ...t.rows.map((r) => `<tr>${r.map((c) => `<td${numeric(c) ? '' : ' class="text"'}>${escapeHtml(c)}</td>`).join('')}</tr>`),
          '</tbody></table>',
        );
        break;
      }
      case 'chart': {
        assertChartSpec(block.spec);
        const index = specs.length;
        specs.push(block.spec);
        body.push(
          '<figure>',
          `<canvas data-chart-index="${index}" width="960" height="540" role="img" aria-label="${escapeHtml(block.spec.title)}"></canvas>`,
          `<figcaption>${escapeHtml(block.caption)} (PNG: <a href="${escapeHtml(block.png)}">${escapeHtml(block.png)}</a>)</figcaption>`,
          '</figure>',
        );
        break;
      }
    }
  }
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(doc.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    ...body,
    `<script type="application/json" id="chart-specs">${jsonScriptText(specs)}</script>`,
    `<script>${scriptText(chartJs())}</script>`,
    `<script type="module">${scriptText(chartRuntime())}\ndrawReportCharts(window.Chart, document);\n</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
