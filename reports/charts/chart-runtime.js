// Turns a ChartSpec (reports/charts/chart-spec.ts) into a chart.js configuration, with the
// project's own plugins for error bars, shaded bands, a white background and the
// 'percentile-tail' axis.
//
// This file is plain JavaScript on purpose: the same text runs in Node (render-png.ts imports
// it) and inside report.html (report-html.ts inlines it into a <script type="module">), so the
// PNG and the page cannot drift apart. It uses no imports and no Node or DOM globals except
// what its callers pass in. Its types are in chart-runtime.d.ts.

const PALETTE = [
  '#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf',
  '#7f7f7f', '#bcbd22',
];
const BAND_FILL = 'rgba(255, 165, 0, 0.16)';
const BAND_TEXT = 'rgba(140, 80, 0, 0.95)';

/** Position of a percentile (in percent) on a 'percentile-tail' axis: -log10(1 - p/100). */
export function percentileTailPosition(percent) {
  return -Math.log10(1 - percent / 100);
}

/** The percentile (in percent) at a position of a 'percentile-tail' axis. */
export function percentileAtTailPosition(position) {
  return 100 * (1 - Math.pow(10, -position));
}

function formatPercentile(percent) {
  if (percent <= 0) return '0%';
  // Enough decimals to tell 99.9 from 99.99 and no more.
  const nines = Math.max(0, Math.round(-Math.log10(1 - percent / 100)) - 2);
  return `${percent.toFixed(Math.min(6, nines))}%`;
}

function xValue(spec, x) {
  return spec.xScale === 'percentile-tail' ? percentileTailPosition(x) : x;
}

function colorAt(index) {
  return PALETTE[index % PALETTE.length];
}

function keepPoint(spec, point) {
  if (spec.yScale === 'log' && !(point.y > 0)) return false;
  if (spec.xScale === 'log' && !(point.x > 0)) return false;
  return true;
}

const backgroundPlugin = {
  id: 'parmBenchBackground',
  beforeDraw(chart) {
    const ctx = chart.ctx;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

const bandsPlugin = {
  id: 'parmBenchBands',
  beforeDatasetsDraw(chart, _args, options) {
    const bands = (options && options.bands) || [];
    if (bands.length === 0) return;
    const { ctx, chartArea } = chart;
    const xScale = chart.scales.x;
    ctx.save();
    ctx.beginPath();
    ctx.rect(chartArea.left, chartArea.top, chartArea.right - chartArea.left, chartArea.bottom - chartArea.top);
    ctx.clip();
    ctx.font = '11px sans-serif';
    ctx.textBaseline = 'top';
    for (const band of bands) {
      const left = Math.max(chartArea.left, xScale.getPixelForValue(band.from));
      const right = Math.min(chartArea.right, xScale.getPixelForValue(band.to));
      if (!(right > left)) continue;
      ctx.fillStyle = BAND_FILL;
      ctx.fillRect(left, chartArea.top, right - left, chartArea.bottom - chartArea.top);
      if (band.label) {
        ctx.fillStyle = BAND_TEXT;
        ctx.fillText(band.label, left + 3, chartArea.top + 3, Math.max(20, right - left - 6));
      }
    }
    ctx.restore();
  },
};

const errorBarsPlugin = {
  id: 'parmBenchErrorBars',
  afterDatasetsDraw(chart) {
    const ctx = chart.ctx;
    const yScale = chart.scales.y;
    ctx.save();
    chart.data.datasets.forEach((dataset, datasetIndex) => {
      if (!chart.isDatasetVisible(datasetIndex)) return;
      const meta = chart.getDatasetMeta(datasetIndex);
      ctx.strokeStyle = dataset.borderColor;
      ctx.lineWidth = 1.2;
      meta.data.forEach((element, i) => {
        const raw = dataset.data[i];
        if (!raw || raw.yLow === undefined || raw.yHigh === undefined) return;
        const low = intervalEndPixel(yScale, raw.yLow);
        const high = intervalEndPixel(yScale, raw.yHigh);
        if (low === undefined || high === undefined) return;
        const x = element.x;
        ctx.beginPath();
        ctx.moveTo(x, low);
        ctx.lineTo(x, high);
        ctx.moveTo(x - 4, low);
        ctx.lineTo(x + 4, low);
        ctx.moveTo(x - 4, high);
        ctx.lineTo(x + 4, high);
        ctx.stroke();
      });
    });
    ctx.restore();
  },
};

// A log axis cannot place a non-positive end of an interval: clamp it to the bottom of the plot.
function intervalEndPixel(yScale, value) {
  if (!Number.isFinite(value)) return undefined;
  if (yScale.type === 'logarithmic' && value <= 0) return yScale.bottom;
  return yScale.getPixelForValue(value);
}

/**
 * The chart.js configuration for a spec. `options.animation` defaults to false (a report is
 * drawn once, and a test can read the pixels as soon as the constructor returns).
 */
export function toChartConfiguration(spec, options) {
  const opts = options || {};
  const tail = spec.xScale === 'percentile-tail';
  const datasets = spec.series.map((series, index) => {
    const color = colorAt(index);
    return {
      label: series.label,
      data: series.points.filter((p) => keepPoint(spec, p)).map((p) => ({
        x: xValue(spec, p.x),
        y: p.y,
        yLow: p.yLow,
        yHigh: p.yHigh,
        sourceX: p.x,
      })),
      borderColor: color,
      backgroundColor: color,
      showLine: spec.kind === 'line',
      borderDash: series.dashed ? [6, 4] : [],
      borderWidth: 2,
      pointRadius: spec.kind === 'line' ? (series.points.length > 60 ? 0 : 2.5) : 3.5,
      pointHoverRadius: 5,
      tension: 0,
      fill: false,
    };
  });
  const bands = (spec.bands || []).map((b) => ({ from: xValue(spec, b.from), to: xValue(spec, b.to), label: b.label }));

  const xAxis = {
    type: spec.xScale === 'log' ? 'logarithmic' : 'linear',
    title: { display: true, text: spec.xLabel },
  };
  if (spec.xIntegers) xAxis.ticks = { stepSize: 1, precision: 0 };
  if (tail) {
    xAxis.min = 0;
    xAxis.afterBuildTicks = (scale) => {
      const ticks = [];
      for (let v = Math.ceil(scale.min); v <= Math.floor(scale.max + 1e-9); v += 1) ticks.push({ value: v });
      if (ticks.length > 0) scale.ticks = ticks;
    };
    xAxis.ticks = { callback: (value) => formatPercentile(percentileAtTailPosition(Number(value))) };
  }
  const yAxis = {
    type: spec.yScale === 'log' ? 'logarithmic' : 'linear',
    title: { display: true, text: spec.yLabel },
  };
  if (spec.yMin !== undefined) yAxis.min = spec.yMin;
  if (spec.yMax !== undefined) yAxis.max = spec.yMax;

  return {
    type: 'scatter',
    data: { datasets },
    options: {
      animation: opts.animation === undefined ? false : opts.animation,
      responsive: opts.responsive === undefined ? false : opts.responsive,
      maintainAspectRatio: false,
      devicePixelRatio: opts.devicePixelRatio,
      parsing: true,
      scales: { x: xAxis, y: yAxis },
      plugins: {
        title: { display: true, text: spec.title, font: { size: 15 } },
        legend: { display: spec.series.length > 0, position: 'bottom' },
        tooltip: {
          callbacks: {
            label: (item) => {
              const raw = item.raw || {};
              const x = tail ? formatPercentile(raw.sourceX) : String(raw.sourceX);
              const interval = raw.yLow !== undefined ? ` [${raw.yLow}, ${raw.yHigh}]` : '';
              return `${item.dataset.label}: (${x}, ${raw.y}${interval})`;
            },
          },
        },
        parmBenchBands: { bands },
      },
    },
    plugins: [backgroundPlugin, bandsPlugin, errorBarsPlugin],
  };
}

/**
 * Draws every chart of a report page: the specs are the JSON array in the element with id
 * `chart-specs`, chart i goes into the canvas with data-chart-index="i". Marks the body with
 * data-charts-drawn="<count>" when done so a test can wait for it.
 */
export function drawReportCharts(Chart, document) {
  const source = document.getElementById('chart-specs');
  const specs = source ? JSON.parse(source.textContent || '[]') : [];
  let drawn = 0;
  specs.forEach((spec, index) => {
    const canvas = document.querySelector(`canvas[data-chart-index="${index}"]`);
    if (!canvas) throw new Error(`report page: no canvas for chart ${index} ("${spec.title}")`);
    new Chart(canvas, toChartConfiguration(spec, { animation: false, responsive: false }));
    drawn += 1;
  });
  document.body.dataset.chartsDrawn = String(drawn);
  return drawn;
}
